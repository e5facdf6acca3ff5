module "trail" {
  source     = "../modules/cloudtrail"
  name       = "account-trail"
  account_id = var.account_id
}

# A second trail (for a team's own bucket) whose digest files are off.
module "audit_trail" {
  source                     = "../modules/cloudtrail"
  name                       = "audit-trail"
  account_id                 = var.account_id
  enable_log_file_validation = false
}
