# A key policy that gives the auditor every KMS action on the key, beside the account root.
resource "aws_kms_key" "reports" {
  description         = "Encrypts reports"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Auditor"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:user/auditor" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}
