# A migration user whose administrator grant ended on 2020-01-01: its inline policy
# allows every action only to requests made before then, and reads afterwards. Its
# access key is still active, and can only read now.
resource "aws_iam_user" "migration" {
  name = "migration"
}

resource "aws_iam_user_group_membership" "migration" {
  user   = aws_iam_user.migration.name
  groups = [local.mfa_group]
}

resource "aws_iam_user_policy" "migration" {
  name = "migration-window"
  user = aws_iam_user.migration.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "MigrationWindow"
        Effect    = "Allow"
        Action    = "*"
        Resource  = "*"
        Condition = { DateLessThan = { "aws:CurrentTime" = "2020-01-01T00:00:00Z" } }
      },
      {
        Sid      = "ReadTheMigratedData"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:ListBucket"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_access_key" "migration" {
  user = aws_iam_user.migration.name
}
