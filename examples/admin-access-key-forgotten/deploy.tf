# admin-access-key with the key taken out of Terraform but not deleted: a `removed`
# block with `destroy = false` forgets it, and the key stays active in the account.
resource "aws_iam_user" "deploy" {
  name = "deploy"
}

resource "aws_iam_user_group_membership" "deploy" {
  user   = aws_iam_user.deploy.name
  groups = [local.mfa_group]
}

resource "aws_s3_bucket" "site" {
  bucket = "www-example-site"
}

# Refers to the bucket's ARN, so Terraform renders this document only at apply.
data "aws_iam_policy_document" "deploy" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
  }
  statement {
    actions   = ["cloudfront:CreateInvalidation"]
    resources = ["*"]
  }
}

resource "aws_iam_user_policy" "deploy" {
  name   = "deploy-site"
  user   = aws_iam_user.deploy.name
  policy = data.aws_iam_policy_document.deploy.json
}

removed {
  from = aws_iam_access_key.deploy
  lifecycle {
    destroy = false
  }
}
