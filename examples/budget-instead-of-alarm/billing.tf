# A monthly cost budget that e-mails at 80 % of the limit: as good as a billing alarm.
# The address is written here, not taken from the sensitive var.alert_email: Terraform
# would hide the whole notification (operator and threshold too) in the plan.
resource "aws_budgets_budget" "monthly" {
  name         = "monthly-cost"
  budget_type  = "COST"
  limit_amount = "100"
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = ["finance@example.com"]
  }
}
