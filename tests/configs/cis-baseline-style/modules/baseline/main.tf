variable "settings" {
  type = map(any)
}

variable "password_length" {
  type = number
}

variable "legacy_trail" {
  type    = bool
  default = true
}

resource "aws_iam_account_password_policy" "this" {
  minimum_password_length      = var.password_length
  require_uppercase_characters = true
  require_lowercase_characters = true
  require_numbers              = true
  require_symbols              = true
  password_reuse_prevention    = try(var.settings.password_reuse, 24)
}

module "trail" {
  source       = "./../trail"
  name         = var.settings["trail_name"]
  multi_region = lookup(var.settings, "multi_region", false)
  selectors = [
    { read_write_type = "All", include_management_events = true },
  ]
}

# Switched off by a flag: count = 0 must leave nothing behind.
resource "aws_cloudtrail" "legacy" {
  count          = var.legacy_trail ? 1 : 0
  name           = "legacy"
  s3_bucket_name = "legacy-logs"
}
