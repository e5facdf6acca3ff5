# The trail was removed "to save money".
resource "aws_sns_topic" "security" {
  name = "security-alerts"
}
