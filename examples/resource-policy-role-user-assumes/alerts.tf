# Where security alarms go: a topic somebody is subscribed to.
resource "aws_sns_topic" "security" {
  name = "security-alerts"
}

resource "aws_sns_topic_subscription" "security_email" {
  topic_arn = aws_sns_topic.security.arn
  protocol  = "email"
  endpoint  = var.alert_email
}
