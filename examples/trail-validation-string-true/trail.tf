# The setting arrives as a string, as it does from TF_VAR_ environment variables
# in CI; Terraform converts "true" to the bool the module's variable declares.
variable "log_file_validation" {
  type    = string
  default = "true"
}

module "trail" {
  source                     = "../modules/cloudtrail"
  name                       = "account-trail"
  account_id                 = var.account_id
  enable_log_file_validation = var.log_file_validation
}
