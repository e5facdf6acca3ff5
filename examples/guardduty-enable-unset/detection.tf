# enable left out: the provider's default is true.
resource "aws_guardduty_detector" "this" {}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
