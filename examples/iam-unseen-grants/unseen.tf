# What this configuration cannot show: a key of a user made elsewhere, an inline
# policy kept by an exclusive list but not written here, a role that trusts a user
# directly, and MFA enforced by an SCP on an organizational unit.
resource "aws_iam_access_key" "legacy" {
  user = "legacy"
}

resource "aws_iam_user_policies_exclusive" "auditor" {
  user_name    = aws_iam_user.auditor.name
  policy_names = ["written-in-the-console"]
}

resource "aws_iam_user" "breakglass" {
  name = "breakglass"
}

resource "aws_iam_user_policy_attachment" "breakglass" {
  user       = aws_iam_user.breakglass.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user_group_membership" "breakglass" {
  user   = aws_iam_user.breakglass.name
  groups = [local.mfa_group]
}

resource "aws_iam_access_key" "breakglass" {
  user = aws_iam_user.breakglass.name
}

resource "aws_iam_role" "breakglass_admin" {
  name = "breakglass-admin"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::${var.account_id}:user/breakglass" } }]
  })
}

resource "aws_iam_role_policy_attachment" "breakglass_admin" {
  role       = aws_iam_role.breakglass_admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# The only MFA enforcement for the contractor: an SCP on an OU this plan cannot
# show the account to be in.
resource "aws_iam_user" "contractor" {
  name = "contractor"
}

resource "aws_organizations_policy" "require_mfa" {
  name = "require-mfa"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyAllWithoutMFA"
      Effect    = "Deny"
      NotAction = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "sts:GetSessionToken"]
      Resource  = "*"
      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}

resource "aws_organizations_policy_attachment" "require_mfa" {
  policy_id = aws_organizations_policy.require_mfa.id
  target_id = "ou-ab12-34cd56ef"
}
