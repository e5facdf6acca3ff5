variable "create" {
  type = bool
}

variable "threshold" {
  type = number
}

variable "alert_emails" {
  type = list(string)
}

resource "aws_sns_topic" "this" {
  count = var.create ? 1 : 0
  name  = "billing-${var.threshold}"
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = var.create ? toset(var.alert_emails) : toset([])
  topic_arn = aws_sns_topic.this[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  count               = var.create ? 1 : 0
  alarm_name          = format("billing-over-%d", var.threshold)
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = 21600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.threshold
  alarm_actions       = aws_sns_topic.this[*].arn
}
