# MFA enforced for the whole account by the organization, instead of per group:
# a service control policy attached to this account.
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

resource "aws_organizations_policy_attachment" "this_account" {
  policy_id = aws_organizations_policy.require_mfa.id
  target_id = var.account_id
}

resource "aws_iam_group" "humans" {
  name = "humans"
}

locals {
  mfa_group = aws_iam_group.humans.name
}
