"""Which account an input is in (Inventory.account, README "The account an input is in"), and
what a policy's ARN naming an account means when that is not known. IAM ARNs name their account
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns): a
trust policy naming `arn:aws:iam::123456789012:user/auditor` lets this input's auditor assume the
role on its own only if the input is in 123456789012
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html)."""
import json
import textwrap

import pytest

from accountguard.controls import REGISTRY, all_controls
from accountguard.engine import evaluate
from accountguard.sources.hcl import load_directory
from accountguard.sources.plan import inventory_from_plan

all_controls()

AUDITOR = """
resource "aws_iam_user" "auditor" {
  name = "auditor"
}
resource "aws_iam_user_policy_attachment" "auditor" {
  user       = aws_iam_user.auditor.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}
resource "aws_iam_access_key" "auditor" {
  user = aws_iam_user.auditor.name
}
resource "aws_iam_role" "admin" {
  name = "admin"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::123456789012:user/auditor" } }] })
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""
PROVIDER = 'provider "aws" {\n  region = "eu-west-1"\n}\n'
# An EventBridge target's `arn` is the target's, which the provider is given: sending findings to
# a security account's bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
SECURITY_BUS = """
resource "aws_cloudwatch_event_rule" "findings" {
  name          = "findings"
  event_pattern = jsonencode({ source = ["aws.guardduty"] })
}
resource "aws_cloudwatch_event_target" "to_security" {
  rule = aws_cloudwatch_event_rule.findings.name
  arn  = "arn:aws:events:eu-west-1:222222222222:event-bus/default"
}
"""
LOG_ARCHIVE = """
provider "aws" {
  alias  = "log_archive"
  region = "eu-west-1"
  assume_role {
    role_arn = "arn:aws:iam::444444444444:role/terraform"
  }
}
"""


def key_verdict(tmp_path, *texts: str) -> tuple[str | None, str]:
    (tmp_path / "main.tf").write_text(textwrap.dedent("".join(texts)))
    inventory = load_directory(tmp_path)
    found = [f for result in evaluate(inventory) for f in result.findings if f.control == "AG_KEY_1"]
    return inventory.account, found[0].status.value


@pytest.mark.parametrize("extra, account, expected", [
    ("", "123456789012", "fail"),  # the one account it names is its own: the auditor can assume admin
    # it names two accounts: whether the trust policy's auditor is this one cannot be told
    (SECURITY_BUS, None, "error"),
    # two provider configurations, one with other credentials: it may be in two accounts
    (LOG_ARCHIVE, None, "error"),
], ids=["one account named", "a second account named", "a provider with other credentials"])
def test_a_trust_policy_naming_an_account_holds_only_in_it(tmp_path, extra, account, expected):
    assert key_verdict(tmp_path, PROVIDER, AUDITOR, extra) == (account, expected)


def test_a_trust_policy_naming_another_account_fails_no_sound_account(tmp_path):
    """The partner account's auditor, while the input shows it is in 123456789012 (its key policy's root)."""
    partner = AUDITOR.replace("123456789012:user/auditor", "999999999999:user/auditor") + """
resource "aws_kms_key" "k" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "kms:*", Resource = "*", Principal = { AWS = "arn:aws:iam::123456789012:root" } }] })
}
"""
    assert key_verdict(tmp_path, PROVIDER, partner) == (None, "error")


ADMIN_KEY = """
resource "aws_iam_user" "ci" {
  name = "ci"
}
resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
"""
# Quarantining an account: "If you attach the policy directly to an account, it affects only that
# account" (https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html).
DENY_ALL_SCP = """
resource "aws_organizations_policy" "quarantine" {
  name    = "quarantine"
  type    = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = "*", Resource = "*" }] })
}
resource "aws_organizations_policy_attachment" "quarantined" {
  policy_id = aws_organizations_policy.quarantine.id
  target_id = "TARGET"
}
"""
OWN_KEY = """
resource "aws_kms_key" "k" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = "kms:*", Resource = "*", Principal = { AWS = "arn:aws:iam::123456789012:root" } }] })
}
"""


@pytest.mark.parametrize("target, extra, account, expected", [
    # the target is the only account named, and it is not evidence of the input's own
    ("210987654321", "", None, "error"),
    ("210987654321", OWN_KEY, "123456789012", "fail"),  # another account's SCP holds nobody here
    ("123456789012", OWN_KEY, "123456789012", "pass"),  # its own: every action denied, the key only reads
], ids=["only the target named", "another account's", "its own account's"])
def test_an_scp_attached_to_an_account_holds_only_that_account(tmp_path, target, extra, account, expected):
    assert key_verdict(tmp_path, PROVIDER, ADMIN_KEY, DENY_ALL_SCP.replace("TARGET", target), extra) \
        == (account, expected)


def test_an_organizations_arn_of_its_own_account_shows_the_management_account(plan_json):
    """An organization made outside this configuration: its policies' ARNs name the management
    account (arn:aws:organizations::MANAGEMENT:policy/...), here the account the users' ARNs
    show, whose users "SCPs don't affect"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
    The real plan of change mfa-moved-to-scp, without the organization and account it manages."""
    plan = plan_json("changes/mfa-moved-to-scp")
    made_here = ("aws_organizations_organization", "aws_organizations_account")
    plan["resource_changes"] = [c for c in plan["resource_changes"] if c["type"] not in made_here]
    state = plan["prior_state"]["values"]["root_module"]
    state["resources"] = [r for r in state["resources"] if r["type"] not in made_here]
    inventory = inventory_from_plan(plan, "plan")
    result, = evaluate(inventory, None, [REGISTRY["AG_MFA_2"]])
    assert inventory.account == "123456789012" and result.status.value == "fail"
    assert all("management account" in f.message for f in result.findings)


def test_a_user_failing_for_an_scp_on_another_account_is_told_so(plan_json):
    inventory = inventory_from_plan(plan_json("mfa-scp-on-another-account"), "plan")
    result, = evaluate(inventory, None, [REGISTRY["AG_MFA_2"]])
    assert result.status.value == "fail" and all(
        "aws_organizations_policy_attachment.member_account attaches its SCP to another account than this input's "
        "(123456789012)" in f.message for f in result.findings)


@pytest.mark.terraform
def test_a_looked_up_organization_whose_management_account_is_this_one_holds_none_of_its_users(moto, tmp_path):
    """Example mfa-scp-root-looked-up, whose fixture (the data source read at apply) and `.tf`
    directory are errors for AG_MFA_2 (examples/expected.toml), planned here against an
    organization the caller made in moto, with the data source read at plan time: its
    master_account_id is the account the plan runs in, whose users "SCPs don't affect"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
    Run in a member account, the SCP on the root holds every user."""
    import fixturegen
    from moto_account import ACCOUNT_ID, reset, session

    reset(moto.url)
    session().client("organizations").create_organization(FeatureSet="ALL")
    workdir = fixturegen._workdir("mfa-scp-root-looked-up", tmp_path)
    mfa = workdir / "mfa.tf"
    mfa.write_text(mfa.read_text().replace("depends_on = [aws_organizations_policy.require_mfa]", ""))
    plan = fixturegen._plan("mfa-scp-root-looked-up", workdir,
                            fixturegen._environment(str(tmp_path / "data"), moto.url), "-refresh=false")
    looked_up, = [r for r in plan["prior_state"]["values"]["root_module"]["resources"]
                  if r["address"] == "data.aws_organizations_organization.this"]
    assert looked_up["values"]["master_account_id"] == ACCOUNT_ID  # read at plan time
    inventory = inventory_from_plan(plan, "plan")
    result, = evaluate(inventory, None, [REGISTRY["AG_MFA_2"]])
    assert inventory.account == ACCOUNT_ID and result.status.value == "fail"
    assert all("data.aws_organizations_organization.this makes this the organization's management account"
               in f.message for f in result.findings)

    # The same plan, run in a member account: the organization's ARNs and management account name another.
    looked_up["values"] = json.loads(json.dumps(looked_up["values"]).replace(ACCOUNT_ID, "210987654321"))
    result, = evaluate(inventory_from_plan(plan, "plan"), None, [REGISTRY["AG_MFA_2"]])
    assert result.status.value == "pass", [f.message for f in result.findings]
