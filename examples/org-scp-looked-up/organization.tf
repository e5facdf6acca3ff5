# The guardrails are an existing policy, looked up: the plan reads it only at apply
# (it depends on the organization being created), so what it denies is not seen.
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_account" "workload" {
  name      = "workload"
  email     = "aws-workload@example.com"
  parent_id = aws_organizations_organization.this.roots[0].id
}

data "aws_organizations_policy" "guardrails" {
  policy_id  = "p-examplepol"
  depends_on = [aws_organizations_organization.this]
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = data.aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}
