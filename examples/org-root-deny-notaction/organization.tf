# The root user's Deny keeps account and billing tasks open to root, and leaving
# the organization among them.
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_account" "workload" {
  name      = "workload"
  email     = "aws-workload@example.com"
  parent_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_policy" "guardrails" {
  name    = "guardrails"
  content = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Sid": "DenyLeavingTheOrganization", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
         "Resource": "*", "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}},
        {"Sid": "DenyStoppingCloudTrail", "Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
         "Resource": "*"},
        {"Sid": "DenyDisablingGuardDuty", "Effect": "Deny", "Action": ["guardduty:DeleteDetector", "guardduty:UpdateDetector"],
         "Resource": "*"},
        {"Sid": "DenyRootUserButAccountTasks", "Effect": "Deny",
         "NotAction": ["account:*", "aws-portal:*", "billing:*", "organizations:LeaveOrganization", "support:*"],
         "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}
      ]
    }
  EOT
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}
