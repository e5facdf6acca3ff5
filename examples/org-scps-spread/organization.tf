# Sound: the guardrails spread over an SCP on the root and one on each OU that has
# accounts; a child OU inherits its parent's. One named break-glass role is exempt
# from the CloudTrail Deny.
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "workloads"
  parent_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_organizational_unit" "production" {
  name      = "production"
  parent_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_organizational_unit" "security" {
  name      = "security"
  parent_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_account" "production" {
  name      = "production"
  email     = "aws-production@example.com"
  parent_id = aws_organizations_organizational_unit.production.id
}

resource "aws_organizations_account" "staging" {
  name      = "staging"
  email     = "aws-staging@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_account" "log_archive" {
  name      = "log-archive"
  email     = "aws-log-archive@example.com"
  parent_id = aws_organizations_organizational_unit.security.id
}

resource "aws_organizations_policy" "root_guardrails" {
  name = "root-guardrails"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "DenyLeavingTheOrganization", Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" },
      {
        Sid       = "DenyStoppingCloudTrail", Effect = "Deny", Resource = "*"
        Action    = ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]
        Condition = { ArnNotLike = { "aws:PrincipalArn" = "arn:aws:iam::*:role/break-glass" } }
      },
    ]
  })
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.root_guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_policy" "ou_guardrails" {
  name = "ou-guardrails"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "DenyDisablingGuardDuty", Effect = "Deny", Action = ["guardduty:DeleteDetector", "guardduty:UpdateDetector"], Resource = "*" },
      {
        Sid       = "DenyRootUser", Effect = "Deny", Action = "*", Resource = "*"
        Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::*:root" } }
      },
    ]
  })
}

resource "aws_organizations_policy_attachment" "workloads" {
  policy_id = aws_organizations_policy.ou_guardrails.id
  target_id = aws_organizations_organizational_unit.workloads.id
}

resource "aws_organizations_policy_attachment" "security" {
  policy_id = aws_organizations_policy.ou_guardrails.id
  target_id = aws_organizations_organizational_unit.security.id
}
