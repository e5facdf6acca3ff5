# Logging paused "during the migration" and never turned back on.
module "trail" {
  source         = "../modules/cloudtrail"
  name           = "account-trail"
  account_id     = var.account_id
  enable_logging = false
}
