# The account trail and a second, regional one in us-east-1 that a team set up for
# its own tooling.
module "trail" {
  source     = "../modules/cloudtrail"
  name       = "account-trail"
  account_id = var.account_id
}

module "team_trail" {
  source                = "../modules/cloudtrail"
  name                  = "team-trail"
  account_id            = var.account_id
  is_multi_region_trail = false
  providers = {
    aws = aws.us_east_1
  }
}
