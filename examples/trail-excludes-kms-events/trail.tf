# Management events from KMS are excluded (a common way to cut costs).
module "trail" {
  source                           = "../modules/trail-options"
  name                             = "account-trail"
  exclude_management_event_sources = ["kms.amazonaws.com"]
}
