# The trail names its key by an alias ARN; CloudTrail accepts alias ARNs as KmsKeyId.
module "trail" {
  source = "../modules/trail-options"
  name   = "account-trail"
  key    = "alias"
}
