# A billing alarm that e-mails a person. Billing metrics live only in
# us-east-1, so the caller passes a provider for that region.

terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.billing]
    }
  }
}

variable "monthly_threshold_usd" {
  type = number
}

variable "email" {
  type      = string
  sensitive = true
  default   = null
}

variable "subscribe_email" {
  description = "Subscribe `email` to the alarm's topic."
  type        = bool
  default     = true
}

resource "aws_sns_topic" "billing" {
  provider = aws.billing
  name     = "billing-alerts"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.subscribe_email ? 1 : 0
  provider  = aws.billing
  topic_arn = aws_sns_topic.billing.arn
  protocol  = "email"
  endpoint  = var.email
}

resource "aws_cloudwatch_metric_alarm" "estimated_charges" {
  provider            = aws.billing
  alarm_name          = "estimated-charges-over-${var.monthly_threshold_usd}-usd"
  namespace           = "AWS/Billing"
  metric_name         = "EstimatedCharges"
  dimensions          = { Currency = "USD" }
  statistic           = "Maximum"
  period              = 21600
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.monthly_threshold_usd
  alarm_actions       = [aws_sns_topic.billing.arn]
}
