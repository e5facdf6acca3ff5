# Findings are exported every six hours instead of fifteen minutes: that is how
# often updated findings reach EventBridge and S3, not whether GuardDuty runs.
resource "aws_guardduty_detector" "this" {
  enable                       = true
  finding_publishing_frequency = "SIX_HOURS"
}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
