# The alarm fires into a topic nobody is subscribed to.
module "billing_alarm" {
  source                = "../modules/billing-alarm"
  monthly_threshold_usd = 100
  subscribe_email       = false
  providers = {
    aws.billing = aws.us_east_1
  }
}
