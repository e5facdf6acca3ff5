# Looks right, but it is created in the default provider's region (eu-west-1),
# where AWS/Billing metrics never arrive: the alarm stays INSUFFICIENT_DATA forever.
resource "aws_sns_topic" "billing" {
  name = "billing-alerts"
}

resource "aws_sns_topic_subscription" "billing" {
  topic_arn = aws_sns_topic.billing.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_cloudwatch_metric_alarm" "billing" {
  alarm_name          = "estimated-charges"
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = 21600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 100
  alarm_actions       = [aws_sns_topic.billing.arn]
}
