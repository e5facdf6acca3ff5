# GuardDuty is not managed here, only looked up: the detector found may be disabled,
# and the plan reads it only at apply (it depends on a resource being created).
data "aws_guardduty_detector" "existing" {
  depends_on = [aws_accessanalyzer_analyzer.account]
}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
