# The trail names its log group but no role CloudTrail could deliver with.
module "trail" {
  source        = "../modules/trail-options"
  name          = "account-trail"
  delivery_role = false
}
