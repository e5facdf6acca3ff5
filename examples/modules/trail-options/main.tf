# A CloudTrail trail delivering to its S3 bucket and CloudWatch Logs, with the
# settings the adversarial examples vary (examples/expected.toml).

variable "name" {
  type = string
}

variable "key" {
  description = "How kms_key_id names the key: \"key\" (its ARN), \"alias\" (an alias ARN), \"disabled\" (a disabled key's ARN)."
  type        = string
  default     = "key"
}

variable "key_policy" {
  description = "\"cloudtrail\": the key policy lets CloudTrail encrypt; \"root-only\": only the account's root; \"separate\": the CloudTrail policy set by aws_kms_key_policy."
  type        = string
  default     = "cloudtrail"
}

variable "include_global_service_events" {
  type    = bool
  default = true
}

variable "enable_log_file_validation" {
  description = "null leaves it unset: the provider's default is false."
  type        = bool
  default     = true
}

variable "exclude_management_event_sources" {
  type    = list(string)
  default = []
}

variable "advanced_selector_read_only" {
  description = "Record management events with an advanced selector; true or false narrows it to reads or writes."
  type        = bool
  default     = null
}

variable "log_group_class" {
  description = "STANDARD or INFREQUENT_ACCESS: metric filters work only on STANDARD."
  type        = string
  default     = "STANDARD"
}

variable "delivery_role" {
  type    = bool
  default = true
}

variable "account_id" {
  type    = string
  default = "123456789012"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "s3_key_prefix" {
  type    = string
  default = null
}

variable "bucket_policy" {
  description = <<-EOT
    "cloudtrail": AWS's bucket policy for CloudTrail; "source-arn": the same for this trail only (aws:SourceArn,
    aws:SourceAccount) and a Deny of requests without TLS; "acl-only": s3:GetBucketAcl, no s3:PutObject;
    "other-prefix": s3:PutObject under another prefix than the trail's; "other-account": s3:PutObject under
    AWSLogs/111111111111/, another account's; "deny": AWS's policy and a Deny of s3:PutObject to CloudTrail;
    "none": no bucket policy.
  EOT
  type        = string
  default     = "cloudtrail"
}

locals {
  account_administration = {
    Sid       = "AccountAdministration"
    Effect    = "Allow"
    Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }
  cloudtrail_encrypt = {
    Sid       = "CloudTrailEncrypt"
    Effect    = "Allow"
    Principal = { Service = "cloudtrail.amazonaws.com" }
    Action    = ["kms:GenerateDataKey*", "kms:DescribeKey"]
    Resource  = "*"
  }
  # The bucket's ARN from its name: aws_s3_bucket.logs.arn is known only after apply, and
  # the plan would not show which objects the policy lets CloudTrail write.
  bucket     = "${var.name}-logs-${var.account_id}"
  bucket_arn = "arn:aws:s3:::${local.bucket}"
  logs       = "${local.bucket_arn}/${var.s3_key_prefix == null ? "" : "${var.s3_key_prefix}/"}AWSLogs/${var.account_id}/*"
  this_trail = { "aws:SourceArn" = "arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/${var.name}" }
  acl_check = {
    Sid       = "AWSCloudTrailAclCheck"
    Effect    = "Allow"
    Principal = { Service = "cloudtrail.amazonaws.com" }
    Action    = "s3:GetBucketAcl"
    Resource  = local.bucket_arn
  }
  write = {
    Sid       = "AWSCloudTrailWrite"
    Effect    = "Allow"
    Principal = { Service = "cloudtrail.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = local.logs
    Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control" } }
  }
  bucket_policies = {
    cloudtrail = jsonencode({ Version = "2012-10-17", Statement = [local.acl_check, local.write] })
    source-arn = jsonencode({ Version = "2012-10-17", Statement = [
      merge(local.acl_check, { Condition = { StringEquals = local.this_trail } }),
      merge(local.write, { Condition = { StringEquals = merge(local.this_trail, {
        "s3:x-amz-acl"      = "bucket-owner-full-control"
        "aws:SourceAccount" = var.account_id
      }) } }),
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ] })
    acl-only     = jsonencode({ Version = "2012-10-17", Statement = [local.acl_check] })
    other-prefix = jsonencode({ Version = "2012-10-17", Statement = [local.acl_check, merge(local.write, {
      Resource = "${local.bucket_arn}/other/AWSLogs/${var.account_id}/*"
    })] })
    other-account = jsonencode({ Version = "2012-10-17", Statement = [local.acl_check, merge(local.write, {
      Resource = "${local.bucket_arn}/AWSLogs/111111111111/*"
    })] })
    deny = jsonencode({ Version = "2012-10-17", Statement = [local.acl_check, local.write, {
      Sid       = "DenyCloudTrailWrites"
      Effect    = "Deny"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "${local.bucket_arn}/*"
    }] })
  }
  root_only_policy  = jsonencode({ Version = "2012-10-17", Statement = [local.account_administration] })
  cloudtrail_policy = jsonencode({ Version = "2012-10-17", Statement = [local.account_administration, local.cloudtrail_encrypt] })
}

resource "aws_s3_bucket" "logs" {
  bucket        = local.bucket
  force_destroy = true
}

resource "aws_s3_bucket_policy" "logs" {
  count  = var.bucket_policy == "none" ? 0 : 1
  bucket = aws_s3_bucket.logs.id
  policy = local.bucket_policies[var.bucket_policy]
}

resource "aws_kms_key" "logs" {
  description         = "Encrypts CloudTrail ${var.name} logs"
  enable_key_rotation = true
  is_enabled          = var.key != "disabled"
  policy              = var.key_policy == "separate" ? null : var.key_policy == "root-only" ? local.root_only_policy : local.cloudtrail_policy
}

resource "aws_kms_key_policy" "logs" {
  count  = var.key_policy == "separate" ? 1 : 0
  key_id = aws_kms_key.logs.id
  policy = local.cloudtrail_policy
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.logs.key_id
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/aws/cloudtrail/${var.name}"
  retention_in_days = 365
  log_group_class   = var.log_group_class
}

resource "aws_iam_role" "delivery" {
  count = var.delivery_role ? 1 : 0
  name  = "${var.name}-cloudtrail-delivery"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_cloudtrail" "this" {
  name                          = var.name
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = var.s3_key_prefix
  is_multi_region_trail         = true
  include_global_service_events = var.include_global_service_events
  enable_log_file_validation    = var.enable_log_file_validation
  kms_key_id                    = var.key == "alias" ? aws_kms_alias.logs.arn : aws_kms_key.logs.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = var.delivery_role ? aws_iam_role.delivery[0].arn : null

  dynamic "event_selector" {
    for_each = var.advanced_selector_read_only == null ? [1] : []
    content {
      read_write_type                  = "All"
      include_management_events        = true
      exclude_management_event_sources = var.exclude_management_event_sources
    }
  }

  dynamic "advanced_event_selector" {
    for_each = var.advanced_selector_read_only == null ? [] : [1]
    content {
      name = "management events"
      field_selector {
        field  = "eventCategory"
        equals = ["Management"]
      }
      field_selector {
        field  = "readOnly"
        equals = [tostring(var.advanced_selector_read_only)]
      }
    }
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.trail.name
}
