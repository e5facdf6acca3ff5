# aws_sns_topic_policy replaces the topic's default policy with one that lets only
# AWS Budgets publish; the billing alarm still acts on the topic.
resource "aws_sns_topic" "billing" {
  provider = aws.us_east_1
  name     = "billing-alerts"
}

resource "aws_sns_topic_policy" "billing" {
  provider = aws.us_east_1
  arn      = aws_sns_topic.billing.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "BudgetsPublish"
      Effect    = "Allow"
      Principal = { Service = "budgets.amazonaws.com" }
      Action    = "SNS:Publish"
      Resource  = "*"
    }]
  })
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
  comparison_operator = "GreaterThanThreshold"
  threshold           = 100
  alarm_actions       = [aws_sns_topic.billing.arn]
}
