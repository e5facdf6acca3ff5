# A billing alarm whose topic is passed through locals, at the root and into a
# module: plan JSON records no locals, so only the configuration can follow them.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

resource "aws_sns_topic" "billing" {
  name = "billing-alerts"
}

locals {
  billing_topic = aws_sns_topic.billing.arn
}

resource "aws_sns_topic_subscription" "oncall" {
  topic_arn = local.billing_topic
  protocol  = "email"
  endpoint  = "oncall@example.com"
}

module "billing_alarm" {
  source    = "./modules/alarm"
  topic_arn = local.billing_topic
}
