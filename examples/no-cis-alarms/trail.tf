module "trail" {
  source     = "../modules/cloudtrail"
  name       = "account-trail"
  account_id = var.account_id

}

resource "aws_sns_topic" "security" {
  name = "security-alerts"
}

resource "aws_sns_topic_subscription" "security_email" {
  topic_arn = aws_sns_topic.security.arn
  protocol  = "email"
  endpoint  = var.alert_email
}
