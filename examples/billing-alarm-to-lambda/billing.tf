# The only subscriber is a Lambda function: whether it tells anyone is its code's business.
resource "aws_sns_topic" "billing" {
  provider = aws.us_east_1
  name     = "billing-alerts"
}

resource "aws_sns_topic_subscription" "billing" {
  provider  = aws.us_east_1
  topic_arn = aws_sns_topic.billing.arn
  protocol  = "lambda"
  endpoint  = "arn:aws:lambda:us-east-1:123456789012:function:notify-chat"
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
  comparison_operator = "GreaterThanThreshold"
  threshold           = 100
  alarm_actions       = [aws_sns_topic.billing.arn]
}
