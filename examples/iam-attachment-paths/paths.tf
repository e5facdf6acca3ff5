# Machine users with active keys, each reached by another way the aws provider
# attaches a policy or caps it.

# Exclusive attachments attach exactly these policies: here an administrator.
resource "aws_iam_user" "ops" {
  name = "ops"
}

resource "aws_iam_user_policy_attachments_exclusive" "ops" {
  user_name   = aws_iam_user.ops.name
  policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

# A group with exclusive attachments, joined through aws_iam_group_membership.
resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_group" "deployers" {
  name = "deployers"
}

resource "aws_iam_group_policy_attachments_exclusive" "deployers" {
  group_name  = aws_iam_group.deployers.name
  policy_arns = ["arn:aws:iam::aws:policy/PowerUserAccess"]
}

resource "aws_iam_group_membership" "deployers" {
  name  = "deployers"
  group = aws_iam_group.deployers.name
  users = [aws_iam_user.deployer.name]
}

# An AWS-managed policy whose document only reads.
resource "aws_iam_user" "reader" {
  name = "reader"
}

resource "aws_iam_policy_attachment" "reader" {
  name       = "reader-s3"
  users      = [aws_iam_user.reader.name]
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
}

# An administrator capped by a read-only permissions boundary.
resource "aws_iam_user" "capped" {
  name                 = "capped"
  permissions_boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_user_policy_attachment" "capped" {
  user       = aws_iam_user.capped.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# An SCP that allows everything grants nothing.
resource "aws_organizations_policy" "full_access" {
  name    = "full-access"
  type    = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_organizations_policy_attachment" "full_access" {
  policy_id = aws_organizations_policy.full_access.id
  target_id = var.account_id
}

locals {
  machine_users = {
    ops      = aws_iam_user.ops.name
    deployer = aws_iam_user.deployer.name
    reader   = aws_iam_user.reader.name
    capped   = aws_iam_user.capped.name
  }
}

resource "aws_iam_user_group_membership" "machine" {
  for_each = local.machine_users
  user     = each.value
  groups   = [local.mfa_group]
}

resource "aws_iam_access_key" "machine" {
  for_each = local.machine_users
  user     = each.value
}
