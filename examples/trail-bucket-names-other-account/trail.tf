# The trail's bucket policy lets CloudTrail write log files only under AWSLogs/111111111111/, another
# account's, while the trail is in this one (its key and bucket name this account's ID).
module "trail" {
  source        = "../modules/trail-options"
  name          = "account-trail"
  account_id    = var.account_id
  bucket_policy = "other-account"
}
