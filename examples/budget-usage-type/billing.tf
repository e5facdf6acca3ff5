# A USAGE budget (EC2 running hours), not a COST budget, and no billing alarm: it
# tracks how much of one usage type is consumed, not what the account is charged.
resource "aws_budgets_budget" "ec2_hours" {
  name         = "ec2-hours"
  budget_type  = "USAGE"
  limit_amount = "1000"
  limit_unit   = "Hrs"
  time_unit    = "MONTHLY"

  cost_filter {
    name   = "UsageTypeGroup"
    values = ["EC2: Running Hours"]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = ["finance@example.com"]
  }
}
