# A group whose members are denied everything but MFA self-service until they
# sign in with MFA (AWS's "BlockMostAccessUnlessSignedInWithMFA" pattern).

variable "group_name" {
  type    = string
  default = "humans"
}

variable "enforce" {
  description = "Attach the policy to the group."
  type        = bool
  default     = true
}

locals {
  mfa_self_service = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:GetMFADevice",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "iam:ChangePassword",
    "sts:GetSessionToken",
  ]
}

data "aws_iam_policy_document" "require_mfa" {
  statement {
    sid     = "AllowManageOwnMFA"
    actions = local.mfa_self_service
    resources = [
      "arn:aws:iam::*:user/$${aws:username}",
      "arn:aws:iam::*:mfa/*",
    ]
  }

  statement {
    sid         = "DenyAllExceptMFASelfServiceWithoutMFA"
    effect      = "Deny"
    not_actions = local.mfa_self_service
    resources   = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

resource "aws_iam_policy" "require_mfa" {
  name        = "RequireMFA"
  description = "Deny everything but MFA self-service without MFA"
  policy      = data.aws_iam_policy_document.require_mfa.json
}

resource "aws_iam_group" "this" {
  name = var.group_name
}

resource "aws_iam_group_policy_attachment" "require_mfa" {
  count      = var.enforce ? 1 : 0
  group      = aws_iam_group.this.name
  policy_arn = aws_iam_policy.require_mfa.arn
}

output "group_name" {
  value = aws_iam_group.this.name
}
