# The alarm goes to ALARM while charges are BELOW 100 USD: never when they rise.
resource "aws_sns_topic" "billing" {
  provider = aws.us_east_1
  name     = "billing-alerts"
}

resource "aws_sns_topic_subscription" "billing" {
  provider  = aws.us_east_1
  topic_arn = aws_sns_topic.billing.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_cloudwatch_metric_alarm" "billing" {
  provider            = aws.us_east_1
  alarm_name          = "estimated-charges"
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = 21600
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 100
  alarm_actions       = [aws_sns_topic.billing.arn]
}
