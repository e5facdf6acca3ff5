# The detector taken out of Terraform but not deleted: a `removed` block with
# `destroy = false` forgets it, and GuardDuty stays enabled in the account.
removed {
  from = aws_guardduty_detector.this
  lifecycle {
    destroy = false
  }
}

resource "aws_accessanalyzer_analyzer" "account" {
  analyzer_name = "account"
  type          = "ACCOUNT"
}
