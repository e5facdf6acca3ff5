# The trail delivers to an Infrequent Access log group: metric filters run only on Standard ones.
module "trail" {
  source          = "../modules/trail-options"
  name            = "account-trail"
  log_group_class = "INFREQUENT_ACCESS"
}
