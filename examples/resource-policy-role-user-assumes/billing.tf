module "billing_alarm" {
  source                = "../modules/billing-alarm"
  monthly_threshold_usd = 100
  email                 = var.alert_email
  providers = {
    aws.billing = aws.us_east_1
  }
}
