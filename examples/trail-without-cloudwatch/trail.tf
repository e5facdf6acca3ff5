# Logs stay in S3 only: nothing can alarm on them, so the CIS alarms go too.
module "trail" {
  source             = "../modules/cloudtrail"
  name               = "account-trail"
  account_id         = var.account_id
  send_to_cloudwatch = false
}
