# The humans group's managed policies, managed exclusively: the next apply detaches every policy
# not listed here, the MFA policy module.mfa attaches included.
resource "aws_iam_policy" "humans_extra" {
  name   = "humans-extra"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:GetUser", Resource = "*" }] })
}

resource "aws_iam_group_policy_attachments_exclusive" "humans" {
  group_name  = local.mfa_group
  policy_arns = [aws_iam_policy.humans_extra.arn]
}
