# A trail that was single-region already, now with its logging paused as well.
module "trail" {
  source                = "../modules/cloudtrail"
  name                  = "account-trail"
  account_id            = var.account_id
  is_multi_region_trail = false
  enable_logging        = false
}
