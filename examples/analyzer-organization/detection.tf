resource "aws_guardduty_detector" "this" {
  enable = true
}

# The organization as zone of trust (this is the management or delegated
# administrator account): type ORGANIZATION.
resource "aws_accessanalyzer_analyzer" "organization" {
  analyzer_name = "organization"
  type          = "ORGANIZATION"
}
