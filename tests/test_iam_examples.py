"""Per subject, the IAM verdicts of the adversarial examples (examples/expected.toml
pins only each control's overall status). Expectations are written from AWS's
documentation and the provider's source; the reference is beside each."""
import pytest

from accountguard.controls import REGISTRY, all_controls
from accountguard.engine import evaluate
from accountguard.sources.plan import inventory_from_plan

all_controls()


def statuses(plan, control_id):
    result, = evaluate(inventory_from_plan(plan, "test"), None, [REGISTRY[control_id]])
    return {f.subject: f.status.value for f in result.findings}


def test_attachment_paths_per_key(plan_json):
    """Exclusive attachments attach exactly what they list (provider docs); a permissions
    boundary caps (access_policies_boundaries.html); SCP Allows grant nothing."""
    assert statuses(plan_json("iam-attachment-paths"), "AG_KEY_1") == {
        "aws_iam_access_key.auditor": "pass",
        'aws_iam_access_key.machine["ops"]': "fail",  # AdministratorAccess, exclusive attachment
        'aws_iam_access_key.machine["deployer"]': "fail",  # PowerUserAccess via the group's exclusive attachment
        'aws_iam_access_key.machine["reader"]': "pass",  # AmazonS3ReadOnlyAccess: Get and List only
        'aws_iam_access_key.machine["capped"]': "pass",  # admin inside a ReadOnlyAccess boundary
    }


def test_unseen_grants_per_subject(plan_json):
    plan = plan_json("iam-unseen-grants")
    assert statuses(plan, "AG_KEY_1") == {
        "aws_iam_access_key.legacy": "error",  # user made elsewhere
        "aws_iam_access_key.auditor": "error",  # an inline policy kept but not written here
        "aws_iam_access_key.breakglass": "error",  # a role trusting the user directly
    }
    mfa = statuses(plan, "AG_MFA_2")
    assert mfa["aws_iam_user.contractor"] == "error"  # MFA only from an SCP on an OU
    assert {s for u, s in mfa.items() if u != "aws_iam_user.contractor"} == {"pass"}


def test_an_unseen_inline_policy_does_not_hide_write_power(plan_json):
    """The auditor's unseen inline policy cannot make a known administrator read-only
    unless it denies: the verdict stays an error, never a pass."""
    plan = plan_json("iam-unseen-grants")
    for rc in plan["resource_changes"]:
        if rc["address"] == "aws_iam_user_policy_attachment.auditor":
            rc["change"]["after"]["policy_arn"] = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert statuses(plan, "AG_KEY_1")["aws_iam_access_key.auditor"] == "error"


@pytest.mark.parametrize("principal, expected", [
    ("arn:aws:iam::123456789012:root", "pass"),  # the account: the user's own policies decide
    ("arn:aws:iam::123456789012:user/someone-else", "pass"),
    ("*", "error"),
])
def test_role_trust_decides_whether_the_user_gets_in(plan_json, principal, expected):
    plan = plan_json("iam-unseen-grants")
    for rc in plan["resource_changes"]:
        if rc["address"] == "aws_iam_role.breakglass_admin":
            rc["change"]["after"]["assume_role_policy"] = (
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
                f'"Principal":{{"AWS":"{principal}"}}}}]}}')
    assert statuses(plan, "AG_KEY_1")["aws_iam_access_key.breakglass"] == expected


def test_override_by_sid_is_what_reaches_the_group(plan_json):
    """policy_model.go Merge: the override's statement replaces the source's with the same Sid."""
    plan = plan_json("mfa-policy-document-merge")
    assert "uses Bool" in evaluate(inventory_from_plan(plan, "t"), None, [REGISTRY["AG_MFA_1"]])[0].findings[0].message


def test_mfa_in_boundary_per_user(plan_json):
    assert set(statuses(plan_json("mfa-in-boundary"), "AG_MFA_2").values()) == {"pass"}


def test_boundary_without_the_deny_leaves_users_unenforced(plan_json):
    plan = plan_json("mfa-in-boundary")
    for rc in plan["resource_changes"]:
        if rc["type"] == "aws_iam_user":
            rc["change"]["after"]["permissions_boundary"] = "arn:aws:iam::aws:policy/ReadOnlyAccess"
            rc["change"]["after_unknown"].pop("permissions_boundary", None)
    assert set(statuses(plan, "AG_MFA_2").values()) == {"fail"}


def findings(plan, control_id):
    result, = evaluate(inventory_from_plan(plan, "test"), None, [REGISTRY[control_id]])
    return result.findings


@pytest.mark.parametrize("example, remover, unprotected", [
    # "will conflict with itself if used more than once with the same group" (iam_group_membership docs):
    # its update removes the users it does not list
    ("group-membership-exclusive-conflict", "aws_iam_group_membership.mfa",
     {'aws_iam_user.human["alice"]', 'aws_iam_user.human["bob"]'}),
    # "removal of managed IAM policies which are not explicitly configured" (iam_group_policy_attachments_exclusive)
    ("group-policy-attachments-exclusive", "aws_iam_group_policy_attachments_exclusive.humans",
     {'aws_iam_user.human["alice"]', 'aws_iam_user.human["bob"]', "aws_iam_user.auditor"}),
])
def test_a_deny_an_exclusive_resource_takes_away_is_not_relied_on(plan_json, example, remover, unprotected):
    failed = [f for f in findings(plan_json(example), "AG_MFA_2") if f.status.value == "fail"]
    assert {f.subject for f in failed} == unprotected
    assert all(f"removed by {remover} on the next apply" in f.message for f in failed)


def test_an_exclusive_attachment_listing_a_policy_that_cannot_be_told_detaches_nothing_for_sure(plan_json):
    """One of its ARNs is known only after apply: it may be the MFA policy, which it then keeps, or
    any policy (AdministratorAccess for the auditor's key): errors, never taken for the policy it refers to."""
    plan = plan_json("group-policy-attachments-exclusive-unknown")
    for control in ("AG_MFA_2", "AG_KEY_1"):
        found = findings(plan, control)
        assert {f.status.value for f in found} == {"error"}
        assert all("holds 2 values known only after apply" in f.message for f in found)


def test_an_exclusive_membership_listing_every_member_removes_nobody(plan_json):
    assert set(statuses(plan_json("group-membership-exclusive"), "AG_MFA_2").values()) == {"pass"}


def test_scps_hold_a_member_account_not_the_management_account(plan_json):
    """"SCPs don't affect users or roles in the management account" (orgs_manage_policies_scps.html);
    a plan that creates the organization runs in it."""
    management = findings(plan_json("mfa-enforced-by-scp"), "AG_MFA_2")
    assert {f.status.value for f in management} == {"fail"}
    assert all("aws_organizations_organization.this makes this the organization's management account" in f.message
               for f in management)
    assert set(statuses(plan_json("mfa-enforced-by-scp-member"), "AG_MFA_2").values()) == {"pass"}
