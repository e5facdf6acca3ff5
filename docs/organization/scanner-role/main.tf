# The scanner role accountguard assumes in every member account of an organization
# (`accountguard live --organization`). Deploy it in each member, for example with a
# CloudFormation StackSet or an account-vending pipeline; the role name is the
# default of --role-name.

variable "scanner_principal_arn" {
  description = "The role or user in the management (or delegated administrator) account that runs accountguard"
  type        = string
}

variable "organization_id" {
  description = "The organization's ID (o-...): only principals of this organization may assume the role"
  type        = string
}

variable "external_id" {
  description = "An external ID the scanner must present, as a second check; null for none"
  type        = string
  default     = null
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.scanner_principal_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.organization_id]
    }
    dynamic "condition" {
      for_each = var.external_id == null ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "scanner" {
  name                 = "accountguard-scanner"
  description          = "Read-only: accountguard judges this account's protection"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

# Everything accountguard reads is in SecurityAudit, except budgets:ViewBudget.
# examples/iam/accountguard-scanner.json is the exact list instead, if you prefer it.
resource "aws_iam_role_policy_attachment" "security_audit" {
  role       = aws_iam_role.scanner.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}

data "aws_iam_policy_document" "budgets" {
  statement {
    actions   = ["budgets:ViewBudget"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "budgets" {
  name   = "read-budgets"
  role   = aws_iam_role.scanner.id
  policy = data.aws_iam_policy_document.budgets.json
}

output "role_arn" {
  value = aws_iam_role.scanner.arn
}
