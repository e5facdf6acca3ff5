module "cis_alarms" {
  source          = "../modules/cis-alarms"
  log_group_name  = module.trail.log_group_name
  alarm_topic_arn = aws_sns_topic.security.arn
}
