# The trail's key is disabled: KMS refuses every cryptographic operation with it.
module "trail" {
  source = "../modules/trail-options"
  name   = "account-trail"
  key    = "disabled"
}
