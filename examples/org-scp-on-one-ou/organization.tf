# The guardrails hold only the workloads OU: the sandbox account, and the account
# left in the root, are held by nothing.
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "workloads"
  parent_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_organizational_unit" "sandbox" {
  name      = "sandbox"
  parent_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_account" "workload" {
  name      = "workload"
  email     = "aws-workload@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_account" "sandbox" {
  name      = "sandbox"
  email     = "aws-sandbox@example.com"
  parent_id = aws_organizations_organizational_unit.sandbox.id
}

resource "aws_organizations_account" "legacy" {
  name  = "legacy"
  email = "aws-legacy@example.com"
}

resource "aws_organizations_policy" "guardrails" {
  name = "guardrails"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "DenyLeavingTheOrganization", Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" },
      { Sid = "DenyStoppingCloudTrail", Effect = "Deny", Action = ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], Resource = "*" },
      { Sid = "DenyDisablingGuardDuty", Effect = "Deny", Action = ["guardduty:DeleteDetector", "guardduty:UpdateDetector"], Resource = "*" },
      {
        Sid       = "DenyRootUser", Effect = "Deny", Action = "*", Resource = "*"
        Condition = { StringLike = { "aws:PrincipalArn" = "arn:aws:iam::*:root" } }
      },
    ]
  })
}

resource "aws_organizations_policy_attachment" "workloads" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organizational_unit.workloads.id
}
