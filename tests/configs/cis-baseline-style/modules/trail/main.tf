variable "name" {
  type = string
}

variable "multi_region" {
  type = bool
}

variable "selectors" {
  type = list(object({ read_write_type = string, include_management_events = bool }))
}

resource "aws_kms_key" "this" {
  description = "${var.name} logs"
  # CloudTrail may encrypt only with a key whose policy lets it in (KMS's default policy does not)
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = ["kms:GenerateDataKey*", "kms:DescribeKey"]
      Resource  = "*"
    }]
  })
}

resource "aws_cloudtrail" "this" {
  name                          = var.name
  s3_bucket_name                = "${var.name}-logs"
  is_multi_region_trail         = var.multi_region
  include_global_service_events = true
  enable_log_file_validation    = var.multi_region ? true : false
  kms_key_id                    = aws_kms_key.this.arn

  dynamic "event_selector" {
    for_each = var.selectors
    content {
      read_write_type           = event_selector.value.read_write_type
      include_management_events = event_selector.value["include_management_events"]
    }
  }
}
