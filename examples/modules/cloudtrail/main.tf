# A CloudTrail trail with its S3 bucket, KMS key and CloudWatch Logs delivery,
# in the style of the public CloudTrail modules.

variable "name" {
  type = string
}

variable "account_id" {
  type = string
}

variable "is_multi_region_trail" {
  type    = bool
  default = true
}

variable "enable_logging" {
  type    = bool
  default = true
}

variable "enable_log_file_validation" {
  type    = bool
  default = true
}

variable "encrypt_with_kms" {
  type    = bool
  default = true
}

variable "send_to_cloudwatch" {
  type    = bool
  default = true
}

variable "log_retention_days" {
  type    = number
  default = 365
}

locals {
  bucket = "${var.name}-cloudtrail-${var.account_id}"
}

resource "aws_s3_bucket" "logs" {
  bucket        = local.bucket
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "AWSCloudTrailAclCheck"
    actions   = ["s3:GetBucketAcl"]
    # The bucket's ARN from its name: aws_s3_bucket.logs.arn is known only after apply,
    # and the plan would not show which objects the policy lets CloudTrail write.
    resources = ["arn:aws:s3:::${local.bucket}"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }

  statement {
    sid       = "AWSCloudTrailWrite"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${local.bucket}/AWSLogs/${var.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.bucket.json
}

resource "aws_kms_key" "logs" {
  count               = var.encrypt_with_kms ? 1 : 0
  description         = "Encrypts CloudTrail ${var.name} logs"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudTrailEncrypt"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "trail" {
  count             = var.send_to_cloudwatch ? 1 : 0
  name              = "/aws/cloudtrail/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "delivery" {
  count = var.send_to_cloudwatch ? 1 : 0
  name  = "${var.name}-cloudtrail-delivery"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "delivery" {
  count = var.send_to_cloudwatch ? 1 : 0
  name  = "deliver-to-cloudwatch-logs"
  role  = aws_iam_role.delivery[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.trail[0].arn}:*"
    }]
  })
}

resource "aws_cloudtrail" "this" {
  name                          = var.name
  s3_bucket_name                = aws_s3_bucket.logs.id
  is_multi_region_trail         = var.is_multi_region_trail
  include_global_service_events = true
  enable_logging                = var.enable_logging
  enable_log_file_validation    = var.enable_log_file_validation
  kms_key_id                    = var.encrypt_with_kms ? aws_kms_key.logs[0].arn : null
  cloud_watch_logs_group_arn    = var.send_to_cloudwatch ? "${aws_cloudwatch_log_group.trail[0].arn}:*" : null
  cloud_watch_logs_role_arn     = var.send_to_cloudwatch ? aws_iam_role.delivery[0].arn : null

  event_selector {
    read_write_type           = "All"
    include_management_events = true
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

output "log_group_name" {
  value = var.send_to_cloudwatch ? aws_cloudwatch_log_group.trail[0].name : null
}
