# `Bool` instead of `BoolIfExists`: calls signed with a long-term access key carry
# no aws:MultiFactorAuthPresent at all, so this Deny never applies to them.
resource "aws_iam_group" "humans" {
  name = "humans"
}

resource "aws_iam_policy" "require_mfa" {
  name   = "RequireMFA"
  policy = <<-POLICY
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "DenyWithoutMFA",
          "Effect": "Deny",
          "NotAction": [
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:ListMFADevices",
            "iam:GetUser",
            "sts:GetSessionToken"
          ],
          "Resource": "*",
          "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
        }
      ]
    }
  POLICY
}

resource "aws_iam_group_policy_attachment" "require_mfa" {
  group      = aws_iam_group.humans.name
  policy_arn = aws_iam_policy.require_mfa.arn
}

locals {
  mfa_group = aws_iam_group.humans.name
}
