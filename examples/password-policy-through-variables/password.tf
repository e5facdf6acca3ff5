# Every setting through variables and locals, the booleans as strings (as
# TF_VAR_ values arrive); expiry settings that the control does not ask about.
variable "password_policy" {
  type = object({ min_length = number, reuse = number })
  default = {
    min_length = 15
    reuse      = 24
  }
}

variable "require_every_class" {
  type    = string
  default = "true"
}

locals {
  classes = var.require_every_class
}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = var.password_policy.min_length
  require_uppercase_characters   = local.classes
  require_lowercase_characters   = local.classes
  require_numbers                = local.classes
  require_symbols                = local.classes
  allow_users_to_change_password = true
  password_reuse_prevention      = var.password_policy.reuse
  max_password_age               = 365
  hard_expiry                    = true
}
