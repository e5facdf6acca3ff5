module "trail" {
  source     = "../modules/cloudtrail"
  name       = "account-trail"
  account_id = var.account_id
}
