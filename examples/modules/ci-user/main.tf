# A CI user with its own policy and an access key, stamped out per pipeline.

variable "name" {
  type = string
}

variable "actions" {
  type = list(string)
}

variable "groups" {
  type    = list(string)
  default = []
}

resource "aws_iam_user" "this" {
  name = "ci-${var.name}"
}

resource "aws_iam_user_group_membership" "this" {
  user   = aws_iam_user.this.name
  groups = var.groups
}

resource "aws_iam_policy" "this" {
  name = "ci-${var.name}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}

# The exclusive kind of attachment: this policy is attached to this user and nobody else.
resource "aws_iam_policy_attachment" "this" {
  name       = "ci-${var.name}"
  users      = [aws_iam_user.this.name]
  policy_arn = aws_iam_policy.this.arn
}

resource "aws_iam_access_key" "this" {
  user = aws_iam_user.this.name
}
