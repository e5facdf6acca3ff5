# A multi-region trail without global service events: IAM, STS and console sign-in
# events are not recorded.
module "trail" {
  source                        = "../modules/trail-options"
  name                          = "account-trail"
  include_global_service_events = false
}
