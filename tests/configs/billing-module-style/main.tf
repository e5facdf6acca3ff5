provider "aws" {
  region = "ap-southeast-2"
}

provider "aws" {
  alias  = "billing"
  region = "us-east-1"
}

variable "alert_emails" {
  type = list(string)
}

variable "thresholds" {
  type    = map(number)
  default = { prod = 500, dev = 50 }
}

variable "environment" {
  type = string
}

module "billing" {
  source       = "./modules/billing"
  create       = true
  threshold    = var.thresholds[var.environment]
  alert_emails = var.alert_emails
  providers = {
    aws = aws.billing
  }
}
