# enable_log_file_validation left out: the provider's default is false.
module "trail" {
  source                     = "../modules/trail-options"
  name                       = "account-trail"
  enable_log_file_validation = null
}
