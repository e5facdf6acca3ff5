module "trail" {
  source     = "../modules/cloudtrail"
  name       = "account-trail"
  account_id = var.account_id
  enable_log_file_validation = false
}

resource "aws_sns_topic" "security" {
  name = "security-alerts"
}

resource "aws_sns_topic_subscription" "security_email" {
  topic_arn = aws_sns_topic.security.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

module "cis_alarms" {
  source          = "../modules/cis-alarms"
  log_group_name  = module.trail.log_group_name
  alarm_topic_arn = aws_sns_topic.security.arn
}
