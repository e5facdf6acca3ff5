variable "topic_arn" {
  type = string
}

resource "aws_cloudwatch_metric_alarm" "estimated_charges" {
  alarm_name          = "estimated-charges-over-100-usd"
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = 21600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 100
  alarm_actions       = [var.topic_arn]
}
