"""AG_ORG_1 on what a plan does not know of an organization it does not create.

AWS assigns an organization its root, accounts and management account when it is
created, so a plan that creates one rightly leaves them unknown (ASSIGNED in
accountguard/controls/organizations.py). An organization the plan does not create
is not new: its roots and accounts are whatever AWS holds, and a plan that does
not know them (a looked-up organization that Terraform reads only at apply) says
nothing about them. Whether SCPs are even enabled on its root cannot be told: the
verdict is an error, never a pass.

A managed aws_organizations_organization already in state is never planned with
unknown roots or accounts: the provider's schema makes them Computed only, with no
CustomizeDiff that recomputes them (terraform-provider-aws 5.100,
internal/service/organizations/organization.go), so an update keeps them from state;
only a replacement (feature_set ALL -> CONSOLIDATED_BILLING) creates one anew. A
looked-up organization is the case that reaches a plan, and the plan here is real
Terraform's, made offline (no AWS call: the data source is deferred to apply by
its depends_on, and creating a policy needs no read).
"""
import json

import pytest

import fixturegen
from accountguard.engine import evaluate
from accountguard.sources.plan import load_plan

GUARDRAILS = """
data "aws_iam_policy_document" "guardrails" {
  statement {
    effect    = "Deny"
    actions   = ["organizations:LeaveOrganization", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                 "guardduty:DeleteDetector", "guardduty:UpdateDetector"]
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:root"]
    }
  }
}

resource "aws_organizations_policy" "guardrails" {
  name    = "guardrails"
  content = data.aws_iam_policy_document.guardrails.json
}
"""

PROVIDER = ('provider "aws" {\n  region = "eu-west-1"\n  skip_credentials_validation = true\n'
            '  skip_requesting_account_id = true\n  skip_metadata_api_check = true\n}\n')


def _plan(tmp_path, name, configuration):
    work = tmp_path / name
    work.mkdir()
    (work / "main.tf").write_text(PROVIDER + GUARDRAILS + configuration)
    env = fixturegen._environment(str(tmp_path / "data"))
    plan = fixturegen._plan(name, work, env, "-refresh=false")
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(plan))
    return plan, path


def _ag_org_1(path):
    result, = [r for r in evaluate(load_plan(path)) if r.control.id == "AG_ORG_1"]
    return result


@pytest.mark.terraform
def test_a_looked_up_organization_read_only_at_apply_is_an_error_not_an_organization_just_created(tmp_path):
    """The guardrails deny everything AG_ORG_1 asks and are attached to the root by its ID; but
    the organization is looked up after the policy is created, so its roots (and whether they
    have SCPs enabled) are unknown in the plan, and the plan does not create it: error."""
    plan, path = _plan(tmp_path, "looked-up", """
data "aws_organizations_organization" "current" {
  depends_on = [aws_organizations_policy.guardrails]
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = "r-abcd"
}

output "management" {
  value = data.aws_organizations_organization.current.master_account_id
}
""")
    looked_up, = [c for c in plan["resource_changes"] if c["address"] == "data.aws_organizations_organization.current"]
    assert looked_up["change"]["actions"] == ["read"]  # deferred to apply, as Terraform plans it
    assert looked_up["change"]["after_unknown"].get("roots") is True
    result = _ag_org_1(path)
    assert result.status.value == "error"
    message = next(f.message for f in result.findings if f.status.value == "error")
    assert "data.aws_organizations_organization.current" in message and "does not create" in message


@pytest.mark.terraform
def test_an_organization_the_plan_creates_is_judged_with_what_aws_assigns_it(tmp_path):
    """The same guardrails on the root of an organization this plan creates: AWS gives it a root
    with the policy types of enabled_policy_types, so the guardrails hold every account (pass)."""
    _, path = _plan(tmp_path, "created", """
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}
""")
    assert _ag_org_1(path).status.value == "pass"

