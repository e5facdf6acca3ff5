# MFA enforced by every user's permissions boundary instead of a group policy: IAM
# applies an explicit Deny in a boundary like one in an identity policy. The Deny
# carries an extra ...IfExists condition on aws:MultiFactorAuthAge, which requests
# without MFA do not carry, so it still holds for them.
data "aws_iam_policy_document" "boundary" {
  statement {
    sid       = "AllowWithinBoundary"
    actions   = ["*"]
    resources = ["*"]
  }
  statement {
    sid    = "DenyWithoutRecentMFA"
    effect = "Deny"
    not_actions = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
    "iam:ResyncMFADevice", "sts:GetSessionToken"]
    resources = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
    condition {
      test     = "NumericGreaterThanIfExists"
      variable = "aws:MultiFactorAuthAge"
      values   = ["43200"]
    }
  }
}

resource "aws_iam_policy" "boundary" {
  name   = "mfa-boundary"
  policy = data.aws_iam_policy_document.boundary.json
}

locals {
  humans = {
    alice = { admin = true }
    bob   = { admin = false }
  }
}

resource "aws_iam_user" "human" {
  for_each             = local.humans
  name                 = each.key
  permissions_boundary = aws_iam_policy.boundary.arn
}

resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_user_group_membership" "human" {
  for_each = { for name, user in local.humans : name => user if user.admin }
  user     = aws_iam_user.human[each.key].name
  groups   = [aws_iam_group.admins.name]
}

resource "aws_iam_user" "auditor" {
  name                 = "auditor"
  permissions_boundary = aws_iam_policy.boundary.arn
}

resource "aws_iam_user_policy_attachment" "auditor" {
  user       = aws_iam_user.auditor.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}

resource "aws_iam_access_key" "auditor" {
  user = aws_iam_user.auditor.name
}
