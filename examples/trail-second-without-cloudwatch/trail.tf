module "trail" {
  source     = "../modules/cloudtrail"
  name       = "account-trail"
  account_id = var.account_id
}

# A second trail that writes to S3 only.
module "audit_trail" {
  source             = "../modules/cloudtrail"
  name               = "audit-trail"
  account_id         = var.account_id
  send_to_cloudwatch = false
}
