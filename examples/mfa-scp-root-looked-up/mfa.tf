# MFA enforced by the organization instead of per group: a service control policy
# attached to the root of an organization made outside this configuration and
# looked up. If this account is the organization's management account, the SCP
# restricts none of its users.
data "aws_iam_policy_document" "require_mfa" {
  statement {
    sid    = "DenyAllWithoutMFA"
    effect = "Deny"
    not_actions = [
      "iam:CreateVirtualMFADevice",
      "iam:EnableMFADevice",
      "iam:ListMFADevices",
      "iam:GetUser",
      "sts:GetSessionToken",
    ]
    resources = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

resource "aws_organizations_policy" "require_mfa" {
  name    = "require-mfa"
  type    = "SERVICE_CONTROL_POLICY"
  content = data.aws_iam_policy_document.require_mfa.json
}

# depends_on: read at apply, as fixtures are planned without an AWS account.
data "aws_organizations_organization" "this" {
  depends_on = [aws_organizations_policy.require_mfa]
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.require_mfa.id
  target_id = data.aws_organizations_organization.this.roots[0].id
}

resource "aws_iam_group" "humans" {
  name = "humans"
}

locals {
  mfa_group = aws_iam_group.humans.name
}
