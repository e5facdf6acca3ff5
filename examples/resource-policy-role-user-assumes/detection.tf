resource "aws_guardduty_detector" "this" {
  enable = true
}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
