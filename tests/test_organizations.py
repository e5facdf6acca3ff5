"""AG_ORG_1 beyond the examples' overall status: the verdict of each member account,
the cases that must be `error` (fail closed), and the shapes the live reader gives.
Plans are real fixtures with one thing changed, so shapes stay Terraform's; every
expectation is what AWS Organizations does, cited where it is decided."""
import json

from accountguard.controls import REGISTRY, all_controls
from accountguard.engine import evaluate
from accountguard.model import Inventory, Resource, Status
from accountguard.sources.plan import inventory_from_plan

all_controls()
ROOT_ATTACHMENT = "aws_organizations_policy_attachment.root"
GUARDRAILS = "aws_organizations_policy.guardrails"
ACCOUNT = "aws_organizations_account.workload"


def findings(plan_or_inventory):
    inventory = plan_or_inventory if isinstance(plan_or_inventory, Inventory) else \
        inventory_from_plan(plan_or_inventory, "test")
    result, = evaluate(inventory, None, [REGISTRY["AG_ORG_1"]])
    return {f.subject: (f.status, f.message) for f in result.findings}


def statuses(plan_or_inventory):
    return {subject: status for subject, (status, _) in findings(plan_or_inventory).items()}


def after(plan, address):
    return next(rc["change"] for rc in plan["resource_changes"] if rc["address"] == address)


def set_known(plan, address, attr, value):
    change = after(plan, address)
    change["after"][attr] = value
    change["after_unknown"].pop(attr, None)


def guardrails(plan):
    return json.loads(after(plan, GUARDRAILS)["after"]["content"])


def set_guardrails(plan, document):
    set_known(plan, GUARDRAILS, "content", json.dumps(document))


# --- which accounts an attachment holds (inheritance) ------------------------------

def test_an_ou_attachment_holds_only_the_accounts_under_it(plan_json):
    """https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_auth.html"""
    assert statuses(plan_json("org-scp-on-one-ou")) == {
        "aws_organizations_account.workload": Status.PASS,
        "aws_organizations_account.sandbox": Status.FAIL,
        "aws_organizations_account.legacy": Status.FAIL,  # no parent_id: the provider places it in the root
    }


def test_a_child_ou_inherits_and_spread_denies_add_up(plan_json):
    assert set(statuses(plan_json("org-scps-spread")).values()) == {Status.PASS}
    assert len(statuses(plan_json("org-scps-spread"))) == 3


def test_an_attachment_to_an_ou_outside_the_plan_does_not_hold_an_account_whose_place_is_known(plan_json):
    """The account sits in the workloads OU, created by this plan (a new ID), under the root:
    an OU that already exists elsewhere is not above it."""
    plan = plan_json("baseline")
    change = after(plan, ROOT_ATTACHMENT)
    change["after"]["target_id"] = "ou-ab12-34cd56ef"
    change["after_unknown"].pop("target_id", None)
    configuration = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == ROOT_ATTACHMENT)
    configuration["expressions"]["target_id"] = {"constant_value": "ou-ab12-34cd56ef"}
    assert statuses(plan) == {ACCOUNT: Status.FAIL}


def test_an_account_whose_ou_is_not_in_the_plan_is_held_by_the_root(plan_json):
    plan = plan_json("baseline")
    set_known(plan, ACCOUNT, "parent_id", "ou-ab12-34cd56ef")
    assert statuses(plan) == {ACCOUNT: Status.PASS}


def test_an_account_whose_ou_is_not_in_the_plan_may_be_under_an_ou_the_guardrails_hold(plan_json):
    """Guardrails on the workloads OU only, and the account's own OU is outside the plan:
    whether that OU is under workloads cannot be seen."""
    plan = plan_json("org-scp-on-one-ou")
    set_known(plan, "aws_organizations_account.sandbox", "parent_id", "ou-ab12-34cd56ef")
    found = findings(plan)
    assert found["aws_organizations_account.sandbox"][0] is Status.ERROR
    assert "aws_organizations_policy_attachment.workloads" in found["aws_organizations_account.sandbox"][1]


def test_an_attachment_whose_target_cannot_be_placed_is_an_error_where_it_decides(plan_json):
    plan = plan_json("org-scp-on-one-ou")
    configuration = next(r for r in plan["configuration"]["root_module"]["resources"]
                         if r["address"] == "aws_organizations_policy_attachment.workloads")
    configuration["expressions"]["target_id"] = {"references": ["var.target"]}
    found = statuses(plan)
    assert found == {f"aws_organizations_account.{name}": Status.ERROR for name in ("workload", "sandbox", "legacy")}


# --- which policies count ------------------------------------------------------------

def test_a_policy_not_in_the_plan_is_an_error_and_full_aws_access_denies_nothing(plan_json):
    """p-FullAWSAccess is AWS's own SCP: Allow * (orgs_manage_policies_scps.html)."""
    plan = plan_json("baseline")
    set_known(plan, ROOT_ATTACHMENT, "policy_id", "p-examplepol")
    assert statuses(plan) == {ACCOUNT: Status.ERROR}
    set_known(plan, ROOT_ATTACHMENT, "policy_id", "p-FullAWSAccess")
    assert statuses(plan) == {ACCOUNT: Status.FAIL}


def test_a_policy_whose_type_is_unknown_is_an_error(plan_json):
    plan = plan_json("baseline")
    change = after(plan, GUARDRAILS)
    change["after"].pop("type")
    change["after_unknown"]["type"] = True
    assert statuses(plan) == {ACCOUNT: Status.ERROR}


def test_an_organization_without_the_scp_policy_type_holds_nobody(plan_json):
    """AttachPolicy and every SCP need the type enabled on the root
    (https://docs.aws.amazon.com/organizations/latest/APIReference/API_EnablePolicyType.html)."""
    plan = plan_json("baseline")
    set_known(plan, "aws_organizations_organization.this", "enabled_policy_types", ["TAG_POLICY"])
    status, message = findings(plan)[ACCOUNT]
    assert status is Status.FAIL and "SERVICE_CONTROL_POLICY" in message
    plan = plan_json("baseline")
    set_known(plan, "aws_organizations_organization.this", "feature_set", "CONSOLIDATED_BILLING")
    assert statuses(plan) == {ACCOUNT: Status.FAIL}


# --- what a Deny must refuse, to whom --------------------------------------------------

def test_a_deny_that_needs_mfa_absent_does_not_hold(plan_json):
    """With MFA the condition is false and the Deny does not apply: the leave action is open."""
    plan = plan_json("baseline")
    document = guardrails(plan)
    leave = next(s for s in document["Statement"] if s["Sid"] == "DenyLeavingTheOrganization")
    leave["Condition"] = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    set_guardrails(plan, document)
    status, message = findings(plan)[ACCOUNT]
    assert status is Status.FAIL
    assert message.startswith("leaving the organization is not denied to an IAM user of the account "
                              "(organizations:LeaveOrganization: ")


def test_a_deny_on_one_trail_only_does_not_hold_the_others(plan_json):
    plan = plan_json("baseline")
    document = guardrails(plan)
    trail = next(s for s in document["Statement"] if s["Sid"] == "DenyStoppingCloudTrail")
    trail["Resource"] = "arn:aws:cloudtrail:*:*:trail/organization"
    set_guardrails(plan, document)
    status, message = findings(plan)[ACCOUNT]
    assert status is Status.FAIL and "denies it on some resources only" in message


def test_a_named_break_glass_exception_still_holds_every_other_principal(plan_json):
    plan = plan_json("baseline")
    document = guardrails(plan)
    for statement in document["Statement"]:
        if statement["Sid"] != "DenyRootUser":
            statement["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/break-glass"}}
    set_guardrails(plan, document)
    assert statuses(plan) == {ACCOUNT: Status.PASS}
    for statement in document["Statement"]:
        if statement["Sid"] == "DenyStoppingCloudTrail":
            statement["Condition"] = {"StringNotEquals": {"aws:PrincipalType": "User"}}  # users escape
    set_guardrails(plan, document)
    status, message = findings(plan)[ACCOUNT]
    assert status is Status.FAIL and "IAM user" in message


def test_the_root_deny_must_cover_every_action(plan_json):
    plan = plan_json("baseline")
    document = guardrails(plan)
    root = next(s for s in document["Statement"] if s["Sid"] == "DenyRootUser")
    root["Action"] = ["iam:*", "organizations:*", "cloudtrail:*", "guardduty:*"]
    set_guardrails(plan, document)
    status, message = findings(plan)[ACCOUNT]
    assert status is Status.FAIL and "to the account's root user" in message


def test_a_plan_without_organizations_resources_fails_and_says_why(plan_json):
    status, message = findings(plan_json("naive-account"))["account"]
    assert status is Status.FAIL and "aws_organizations_policy_attachment" in message


# --- live: the shapes the Organizations reader gives -------------------------------------

MANAGEMENT, MEMBER, SANDBOX, SUSPENDED = "111111111111", "222222222222", "333333333333", "444444444444"
GUARDRAIL_DOCUMENT = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": ["organizations:LeaveOrganization", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                                  "guardduty:DeleteDetector", "guardduty:UpdateDetector"], "Resource": "*"},
    {"Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}]}


def live_organization(attached_to):
    accounts = [{"id": i, "name": i, "arn": f"arn:aws:organizations::{MANAGEMENT}:account/o-exampleorg1/{i}",
                 "status": "SUSPENDED" if i == SUSPENDED else "ACTIVE"}
                for i in (MANAGEMENT, MEMBER, SANDBOX, SUSPENDED)]
    root = {"id": "r-ab12", "name": "Root", "arn": f"arn:aws:organizations::{MANAGEMENT}:root/o-exampleorg1/r-ab12",
            "policy_types": [{"type": "SERVICE_CONTROL_POLICY", "status": "ENABLED"}]}
    resources = [Resource("organization", "aws_organizations_organization", {
        "id": "o-exampleorg1", "master_account_id": MANAGEMENT, "feature_set": "ALL",
        "enabled_policy_types": ["SERVICE_CONTROL_POLICY"], "roots": [root], "accounts": accounts,
        "non_master_accounts": accounts[1:]})]
    resources += [Resource("ou-ab12-11111111", "aws_organizations_organizational_unit",
                           {"id": "ou-ab12-11111111", "name": "workloads", "parent_id": "r-ab12",
                            "arn": f"arn:aws:organizations::{MANAGEMENT}:ou/o-exampleorg1/ou-ab12-11111111"})]
    parents = {MANAGEMENT: "r-ab12", MEMBER: "ou-ab12-11111111", SANDBOX: "r-ab12", SUSPENDED: "r-ab12"}
    resources += [Resource(f"account:{a['id']}", "aws_organizations_account", {**a, "parent_id": parents[a["id"]]})
                  for a in accounts]
    resources += [Resource("p-guardrails", "aws_organizations_policy",
                           {"id": "p-guardrails", "name": "guardrails", "type": "SERVICE_CONTROL_POLICY",
                            "content": json.dumps(GUARDRAIL_DOCUMENT)}),
                  Resource(f"p-guardrails@{attached_to}", "aws_organizations_policy_attachment",
                           {"policy_id": "p-guardrails", "target_id": attached_to})]
    return Inventory("live", "live", resources, facts={"account_id": MANAGEMENT})


def test_live_every_active_member_is_judged_and_the_management_account_is_not():
    found = statuses(live_organization("r-ab12"))
    assert found == {f"account:{MANAGEMENT}": Status.NOT_APPLICABLE, f"account:{MEMBER}": Status.PASS,
                     f"account:{SANDBOX}": Status.PASS, f"account:{SUSPENDED}": Status.NOT_APPLICABLE}


def test_live_an_ou_attachment_holds_the_accounts_under_it_only():
    found = statuses(live_organization("ou-ab12-11111111"))
    assert found[f"account:{MEMBER}"] is Status.PASS
    assert found[f"account:{SANDBOX}"] is Status.FAIL


# --- what AWS Organizations refuses: an SCP over its size, an attachment past five ------
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html: at most
# 5,120 characters in an SCP (bytes, says another version of the page), whitespace counted when
# saved through the API as the provider does; at most 5 SCPs attached to a root, OU or account.

def padded_guardrails(plan, length, text="x"):
    """The baseline's guardrails with a statement whose Sid pads the content to `length` characters."""
    document = guardrails(plan)
    document["Statement"].append({"Sid": "", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
                                  "Condition": {"StringEquals": {"aws:PrincipalTag/team": ""}}})
    base = len(json.dumps(document, ensure_ascii=False))
    document["Statement"][-1]["Condition"]["StringEquals"]["aws:PrincipalTag/team"] = text * (length - base)
    set_known(plan, GUARDRAILS, "content", json.dumps(document, ensure_ascii=False))
    assert len(after(plan, GUARDRAILS)["after"]["content"]) == length
    return plan


def test_an_scp_over_5120_characters_is_refused_and_holds_nobody(plan_json):
    status, message = findings(padded_guardrails(plan_json("baseline"), 5121))[ACCOUNT]
    assert status is Status.FAIL and "refused by AWS: 5,121 characters" in message


def test_an_scp_of_5120_characters_holds(plan_json):
    assert statuses(padded_guardrails(plan_json("baseline"), 5120))[ACCOUNT] is Status.PASS


def test_an_scp_under_5120_characters_but_over_5120_bytes_may_be_refused(plan_json):
    """One version of the quotas page counts characters, another bytes: é is one and two."""
    status, message = findings(padded_guardrails(plan_json("baseline"), 5000, "é"))[ACCOUNT]
    assert status is Status.ERROR and "may be over the 5,120 characters" in message


def org_directory(tmp_path, statements, extra="", content="data.aws_iam_policy_document.guardrails.json"):
    (tmp_path / "main.tf").write_text(f"""
resource "aws_organizations_organization" "this" {{
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}}
resource "aws_organizations_account" "workload" {{
  name  = "workload"
  email = "aws-workload@example.com"
}}
data "aws_iam_policy_document" "guardrails" {{
  statement {{
    effect    = "Deny"
    actions   = ["organizations:LeaveOrganization", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                 "guardduty:DeleteDetector", "guardduty:UpdateDetector"]
    resources = ["*"]
  }}
  statement {{
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {{
      test     = "StringLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:root"]
    }}
  }}
  {statements}
}}
resource "aws_organizations_policy" "guardrails" {{
  name    = "guardrails"
  content = {content}
}}
resource "aws_organizations_policy_attachment" "root" {{
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}}
{extra}
""")
    from accountguard.sources.hcl import load_directory
    return load_directory(tmp_path)


def region_denies(count):
    """`count` statements of about 110 characters each, compact, and 190 as the data source indents them."""
    return "\n".join(f"""statement {{
    effect    = "Deny"
    actions   = ["ec2:RunInstances"]
    resources = ["*"]
    condition {{
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["region-{i:03}"]
    }}
  }}""" for i in range(count))


def test_tf_an_scp_the_data_source_renders_is_judged_by_the_bounds_of_its_text(tmp_path):
    """The provider writes an aws_iam_policy_document's `json` indented (json.MarshalIndent),
    which the .tf mode does not reproduce byte for byte: surely under passes, surely over
    (even written compactly) fails, and in between it is an error."""
    from accountguard.access import document_of, json_length_bounds
    for count, status in ((15, Status.PASS), (20, Status.ERROR), (27, Status.FAIL)):
        inventory = org_directory(tmp_path, region_denies(count))
        text = document_of(inventory, inventory.at(GUARDRAILS), "content")
        least, most = json_length_bounds(json.loads(text), indented=True)
        assert (most < 5120, least <= 5120 < most, least > 5120)[[Status.PASS, Status.ERROR, Status.FAIL].index(status)]
        assert statuses(inventory)[ACCOUNT] is status, (count, least, most)


def test_tf_minified_json_and_jsonencode_are_compact(tmp_path):
    """The data source's minified_json is json.Marshal's; jsonencode writes compact JSON as the
    .tf mode does (tests/test_hcl_differential.py): what is over the limit only indented passes."""
    for content in ("data.aws_iam_policy_document.guardrails.minified_json",
                    "jsonencode(jsondecode(data.aws_iam_policy_document.guardrails.json))"):
        inventory = org_directory(tmp_path, region_denies(35), content=content)
        assert statuses(inventory)[ACCOUNT] is Status.PASS, content
    assert statuses(org_directory(tmp_path, region_denies(35)))[ACCOUNT] is Status.FAIL


def test_the_bounds_hold_the_providers_text_of_every_example_scp(plan_json):
    """The plan's `content` of every example SCP rendered by a data source lies between
    the bounds the .tf mode computes from its own rendering."""
    from accountguard.access import document_of, json_length_bounds
    from accountguard.model import RenderedJSON
    from accountguard.sources.hcl import load_directory
    from conftest import EXPECTED, FIXTURES
    measured = 0
    for name in sorted(EXPECTED):
        plan = plan_json(name)
        for rc in plan["resource_changes"]:
            content = rc["change"]["after"].get("content") if rc["type"] == "aws_organizations_policy" else None
            if not isinstance(content, str) or '\n  "' not in content:
                continue
            inventory = load_directory(FIXTURES.parent / "examples" / name, tree=FIXTURES.parent / "examples")
            text = document_of(inventory, inventory.at(rc["address"]), "content")
            if not isinstance(text, RenderedJSON):
                assert text == content, (name, rc["address"])  # a heredoc: Terraform's text is the .tf mode's
                continue
            least, most = json_length_bounds(json.loads(text), text.indented)
            assert least <= len(content) <= most, (name, rc["address"])
            measured += 1
    assert measured >= 5


def test_tf_attachments_past_five_on_a_target_may_be_refused(tmp_path):
    """FullAWSAccess is attached to the root by default: with it, a sixth SCP attached there
    is refused, and which of them cannot be told (Terraform attaches in parallel)."""
    def others(count):
        return "\n".join(f"""
resource "aws_organizations_policy" "other{i}" {{
  name    = "other{i}"
  content = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Deny", Action = "ec2:RunInstances", Resource = "arn:aws:ec2:*:*:instance/{i}" }}] }})
}}
resource "aws_organizations_policy_attachment" "other{i}" {{
  policy_id = aws_organizations_policy.other{i}.id
  target_id = aws_organizations_organization.this.roots[0].id
}}""" for i in range(count))
    full_access = """
resource "aws_organizations_policy_attachment" "full_access" {
  policy_id = "p-FullAWSAccess"
  target_id = aws_organizations_organization.this.roots[0].id
}"""
    assert statuses(org_directory(tmp_path, "", others(3)))[ACCOUNT] is Status.PASS  # five with FullAWSAccess
    assert statuses(org_directory(tmp_path, "", others(3) + full_access))[ACCOUNT] is Status.PASS
    status, message = findings(org_directory(tmp_path, "", others(4)))[ACCOUNT]
    assert status is Status.ERROR and "at most 5 SCPs" in message


def test_an_update_aws_refuses_leaves_the_content_before_it(plan_json):
    """UpdatePolicy refuses the new content; the policy keeps the one it had."""
    plan = plan_json("baseline")
    prior = next(r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == GUARDRAILS)
    plan["prior_state"]["values"]["root_module"].setdefault("resources", []).append(
        {**prior, "values": {**prior["values"], "content": after(plan, GUARDRAILS)["after"]["content"],
                             "id": "p-guardrails", "arn": "arn:aws:organizations::123456789012:policy/o-x/p-guardrails"}})
    change = after(padded_guardrails(plan, 6000), GUARDRAILS)
    change["actions"] = ["update"]
    change["before"] = plan["prior_state"]["values"]["root_module"]["resources"][-1]["values"]
    assert statuses(plan)[ACCOUNT] is Status.PASS


def test_json_length_bounds():
    from accountguard.access import json_length_bounds
    from accountguard.model import SENSITIVE, Unknown
    document = {"Statement": [{"Action": ["s3:*"], "Condition": {"StringLike": {"k": ["a<b"]}}}]}
    least, most = json_length_bounds(document)
    assert least == len('{"Statement":{"Action":"s3:*","Condition":{"StringLike":{"k":"a<b"}}}}')
    assert most == len(json.dumps(document, indent=2)) + 5
    assert json_length_bounds({"Sid": "é"})[1] == len('{\n  "Sid": "\\u00e9"\n}')
    for hidden in (Unknown("later"), SENSITIVE):
        assert json_length_bounds({"Resource": hidden}) == (len('{"Resource":}'), None)
