# The CIS patterns written another way (bare values, other order, extra parentheses): they match the same events.
locals {
  cis_patterns = {
    root-usage                 = "{ ($.eventType != AwsServiceEvent) && (($.userIdentity.type = Root) && ($.userIdentity.invokedBy NOT EXISTS)) }"
    console-signin-without-mfa = "{ $.additionalEventData.MFAUsed != Yes && $.eventName = ConsoleLogin }"
  }
}

resource "aws_cloudwatch_log_metric_filter" "cis" {
  for_each       = local.cis_patterns
  name           = each.key
  log_group_name = module.trail.log_group_name
  pattern        = each.value

  metric_transformation {
    name      = each.key
    namespace = "CISBenchmark"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "cis" {
  for_each            = local.cis_patterns
  alarm_name          = "cis-${each.key}"
  namespace           = "CISBenchmark"
  metric_name         = aws_cloudwatch_log_metric_filter.cis[each.key].metric_transformation[0].name
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  alarm_actions       = [aws_sns_topic.security.arn]
}
