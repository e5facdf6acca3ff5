provider "aws" {
  region = "eu-west-1"
}

module "cloudtrail" {
  source  = "cloudposse/cloudtrail/aws"
  version = "0.24.0"
  name    = "org"
}

resource "aws_guardduty_detector" "this" {
  enable = true
}
