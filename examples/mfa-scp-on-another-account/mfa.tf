# A service control policy requiring MFA, attached to a member account: it holds that
# account's users, not this one's (which is 123456789012, as the trail's bucket shows).
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

resource "aws_organizations_policy_attachment" "member_account" {
  policy_id = aws_organizations_policy.require_mfa.id
  target_id = var.member_account_id
}

variable "member_account_id" {
  type    = string
  default = "210987654321"
}

resource "aws_iam_group" "humans" {
  name = "humans"
}

locals {
  mfa_group = aws_iam_group.humans.name
}
