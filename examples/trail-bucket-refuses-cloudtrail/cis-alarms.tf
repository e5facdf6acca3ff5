module "cis_alarms" {
  source          = "../modules/cis-alarms"
  log_group_name  = module.acl_only.log_group_name
  alarm_topic_arn = aws_sns_topic.security.arn
}
