# The switch arrives as a string (TF_VAR_guardduty_enable=false in CI); Terraform
# converts "false" to the bool `enable` takes.
variable "guardduty_enable" {
  type    = string
  default = "false"
}

resource "aws_guardduty_detector" "this" {
  enable = var.guardduty_enable
}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
