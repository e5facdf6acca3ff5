# The trail key's policy is set by aws_kms_key_policy, and lets CloudTrail encrypt.
module "trail" {
  source     = "../modules/trail-options"
  name       = "account-trail"
  key_policy = "separate"
}
