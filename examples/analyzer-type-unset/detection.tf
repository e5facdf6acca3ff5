resource "aws_guardduty_detector" "this" {
  enable = true
}

# type left out: the provider's default is ACCOUNT.
resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
}
