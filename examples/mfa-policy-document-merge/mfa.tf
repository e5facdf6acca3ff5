# The MFA policy is assembled the way shared modules assemble policies: a base
# document, then an override. The provider replaces a statement whose Sid the
# override repeats, so the Deny that reaches the group is the override's: Bool,
# which calls signed with long-term access keys never match.
locals {
  mfa_self_service = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
  "iam:ListMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"]
}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "AllowManageOwnMFA"
    actions   = local.mfa_self_service
    resources = ["arn:aws:iam::*:user/&{aws:username}", "arn:aws:iam::*:mfa/*"]
  }
  statement {
    sid         = "DenyWithoutMFA"
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

data "aws_iam_policy_document" "team_override" {
  statement {
    sid         = "DenyWithoutMFA"
    effect      = "Deny"
    not_actions = local.mfa_self_service
    resources   = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "require_mfa" {
  source_policy_documents   = [data.aws_iam_policy_document.base.json]
  override_policy_documents = [data.aws_iam_policy_document.team_override.json]
}

resource "aws_iam_policy" "require_mfa" {
  name   = "RequireMFA"
  policy = data.aws_iam_policy_document.require_mfa.json
}

resource "aws_iam_group" "humans" {
  name = "humans"
}

resource "aws_iam_group_policy_attachment" "require_mfa" {
  group      = aws_iam_group.humans.name
  policy_arn = aws_iam_policy.require_mfa.arn
}

locals {
  mfa_group = aws_iam_group.humans.name
}
