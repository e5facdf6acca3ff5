"""Which account an input is in (Inventory.account, README "The account an input is in"), and
what a policy's ARN naming an account means when that is not known. IAM ARNs name their account
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns): a
trust policy naming `arn:aws:iam::123456789012:user/auditor` lets this input's auditor assume the
role on its own only if the input is in 123456789012
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html)."""
import textwrap

import pytest

from accountguard.engine import evaluate
from accountguard.sources.hcl import load_directory

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
