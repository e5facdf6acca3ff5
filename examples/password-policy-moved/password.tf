# The password policy renamed with a `moved` block, and weakened in the same change.
moved {
  from = aws_iam_account_password_policy.strict
  to   = aws_iam_account_password_policy.account
}

resource "aws_iam_account_password_policy" "account" {
  minimum_password_length        = 8
  require_uppercase_characters   = true
  require_lowercase_characters   = true
  require_numbers                = true
  require_symbols                = false
  allow_users_to_change_password = true
}
