resource "aws_guardduty_detector" "this" {
  enable = true
}

# An unused-access analyzer reports unused roles and keys, not resources shared outside.
resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "unused"
  type          = "ACCOUNT_UNUSED_ACCESS"
}
