# The trail's key has a key policy that lets only the account's root use it, so
# CloudTrail (a service principal) may not generate data keys with it.
module "trail" {
  source     = "../modules/trail-options"
  name       = "account-trail"
  key_policy = "root-only"
}
