# The humans group's managed policies, managed exclusively, one of them by an ARN known only after
# apply (passed through terraform_data, as a module output or remote state would give it): the
# plan does not say whether it is the MFA policy module.mfa attaches, which the next apply keeps
# only if it is.
resource "aws_iam_policy" "humans_extra" {
  name   = "humans-extra"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:GetUser", Resource = "*" }] })
}

resource "terraform_data" "mfa_policy_name" {
  input = "RequireMFA"
}

resource "aws_iam_group_policy_attachments_exclusive" "humans" {
  group_name = local.mfa_group
  policy_arns = [
    aws_iam_policy.humans_extra.arn,
    "arn:aws:iam::${var.account_id}:policy/${terraform_data.mfa_policy_name.output}",
  ]
}
