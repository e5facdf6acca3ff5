# A break-glass exception meant for one role, written for every role: the Denies
# apply to no IAM role at all.
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_account" "workload" {
  name      = "workload"
  email     = "aws-workload@example.com"
  parent_id = aws_organizations_organization.this.roots[0].id
}

data "aws_iam_policy_document" "guardrails" {
  statement {
    sid    = "DenyTamperingExceptBreakGlass"
    effect = "Deny"
    actions = [
      "organizations:LeaveOrganization",
      "cloudtrail:StopLogging",
      "cloudtrail:DeleteTrail",
      "guardduty:DeleteDetector",
      "guardduty:UpdateDetector",
    ]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:role/*"]
    }
  }
  statement {
    sid       = "DenyRootUser"
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:root"]
    }
  }
}

resource "aws_organizations_policy" "guardrails" {
  name    = "guardrails"
  content = data.aws_iam_policy_document.guardrails.json
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}
