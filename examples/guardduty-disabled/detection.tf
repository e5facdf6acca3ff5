resource "aws_guardduty_detector" "this" {
  enable = false # "too noisy"
}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
