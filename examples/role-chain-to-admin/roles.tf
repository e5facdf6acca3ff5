# The auditor's key assumes a read-only role, and that role an administrator role
# whose trust policy names it (role chaining).
resource "aws_iam_role" "jump" {
  name = "jump"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${var.account_id}:user/auditor" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "jump" {
  role       = aws_iam_role.jump.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role" "admin" {
  name = "admin"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${var.account_id}:role/jump" }
    }]
  })
}

resource "aws_iam_role_policy_attachments_exclusive" "admin" {
  role_name   = aws_iam_role.admin.name
  policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}
