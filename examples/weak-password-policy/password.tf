# Eight characters, no symbols, no reuse prevention: what many accounts still have.
resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 8
  require_uppercase_characters   = true
  require_lowercase_characters   = true
  require_numbers                = true
  require_symbols                = false
  allow_users_to_change_password = true
}
