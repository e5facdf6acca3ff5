# p90 with evaluate_low_sample_count_percentiles = "ignore": a period needs 100 datapoints before the
# alarm may change state, and EstimatedCharges has a few a day.
resource "aws_sns_topic" "billing" {
  provider = aws.us_east_1
  name     = "billing-alerts"
}

resource "aws_sns_topic_subscription" "email" {
  provider  = aws.us_east_1
  topic_arn = aws_sns_topic.billing.arn
  protocol  = "email"
  endpoint  = "finance@example.com"
}

resource "aws_cloudwatch_metric_alarm" "estimated_charges" {
  provider                              = aws.us_east_1
  alarm_name                            = "estimated-charges-over-100-usd"
  namespace                             = "AWS/Billing"
  metric_name                           = "EstimatedCharges"
  dimensions                            = { Currency = "USD" }
  extended_statistic                    = "p90"
  period                                = 21600
  evaluation_periods                    = 1
  comparison_operator                   = "GreaterThanThreshold"
  threshold                             = 100
  alarm_actions                         = [aws_sns_topic.billing.arn]
  evaluate_low_sample_count_percentiles = "ignore"
}
