locals {
  humans = {
    alice = { admin = true }
    bob   = { admin = false }
  }
}

resource "aws_iam_user" "human" {
  for_each      = local.humans
  name          = each.key
  force_destroy = true
}

resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_user_group_membership" "human" {
  for_each = local.humans
  user     = aws_iam_user.human[each.key].name
  groups   = concat([local.mfa_group], each.value.admin ? [aws_iam_group.admins.name] : [])
}

# A machine user whose key can only read: the key may stay active.
resource "aws_iam_user" "auditor" {
  name = "auditor"
}

resource "aws_iam_user_policy_attachment" "auditor" {
  user       = aws_iam_user.auditor.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}

resource "aws_iam_user_group_membership" "auditor" {
  user   = aws_iam_user.auditor.name
  groups = [local.mfa_group]
}

resource "aws_iam_access_key" "auditor" {
  user = aws_iam_user.auditor.name
}
