# A CloudTrail trail delivering to CloudWatch Logs, with the settings the
# adversarial examples vary (examples/expected.toml). The bucket and its policy
# are left to the caller's account: the plan does not need them.

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
  root_only_policy  = jsonencode({ Version = "2012-10-17", Statement = [local.account_administration] })
  cloudtrail_policy = jsonencode({ Version = "2012-10-17", Statement = [local.account_administration, local.cloudtrail_encrypt] })
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
  s3_bucket_name                = "${var.name}-logs"
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
}

output "log_group_name" {
  value = aws_cloudwatch_log_group.trail.name
}
