provider "aws" {
  region = "eu-central-1"
}

variable "users" {
  type    = list(string)
  default = ["carol", "dave"]
}

variable "self_service_actions" {
  type    = list(string)
  default = ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"]
}

resource "aws_iam_group" "users" {
  name = "mfa-users"
}

resource "aws_iam_group_policy" "enforce_mfa" {
  name  = "enforce-mfa"
  group = aws_iam_group.users.name
  policy = templatefile("${path.module}/policies/enforce-mfa.json.tpl", {
    actions = var.self_service_actions
  })
}

resource "aws_iam_policy" "read_own_user" {
  name   = "read-own-user"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["iam:GetUser"],
    "Resource": "arn:aws:iam::*:user/$${aws:username}"
  }]
}
EOF
}

resource "aws_iam_user" "this" {
  for_each = toset(var.users)
  name     = each.value
}

resource "aws_iam_group_membership" "users" {
  name  = "mfa-users"
  group = aws_iam_group.users.name
  users = [for user in aws_iam_user.this : user.name]
}
