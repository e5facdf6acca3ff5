module "cis_alarms" {
  source          = "../modules/cis-alarms"
  log_group_name  = aws_cloudwatch_log_group.trail.name
  alarm_topic_arn = aws_sns_topic.security.arn
}
