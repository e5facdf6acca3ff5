# A sound trail in main.tf, weakened by override files (Terraform merges them:
# https://developer.hashicorp.com/terraform/language/files/override).
provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variable "validation" {
  type    = bool
  default = true
}

locals {
  trail_name = "org"
  prefix     = "logs"
}

resource "aws_cloudtrail" "main" {
  name                          = local.trail_name
  s3_bucket_name                = "org-trail-logs"
  s3_key_prefix                 = local.prefix
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = var.validation

  event_selector {
    read_write_type           = "All"
    include_management_events = true
  }

  tags = {
    owner = "security"
  }
}
