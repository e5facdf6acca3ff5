locals {
  password = {
    min_length = 13 # one short of CIS 1.8's 14
    reuse      = 24
  }
}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = local.password.min_length
  require_uppercase_characters   = true
  require_lowercase_characters   = true
  require_numbers                = true
  require_symbols                = true
  allow_users_to_change_password = true
  password_reuse_prevention      = local.password.reuse
}
