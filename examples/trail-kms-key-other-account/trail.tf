# The trail encrypts with a key of another account, named by a literal ARN: the plan does
# not create the key, so whether it is enabled, symmetric and lets CloudTrail in cannot be
# seen from this account (its key policy is its owner's).
resource "aws_cloudwatch_log_group" "trail" {
  name              = "/aws/cloudtrail/account-trail"
  retention_in_days = 365
}

resource "aws_iam_role" "delivery" {
  name = "account-trail-cloudtrail-delivery"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_cloudtrail" "this" {
  name                          = "account-trail"
  s3_bucket_name                = "account-trail-logs"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.delivery.arn
}

