# Grants that AWS does not enforce for the auditor.

# A bucket ACL letting every AWS user write, which S3 ignores: the bucket's public access block
# sets ignore_public_acls.
resource "aws_s3_bucket" "drop" {
  bucket = "accountguard-drop"
}

resource "aws_s3_bucket_ownership_controls" "drop" {
  bucket = aws_s3_bucket.drop.id
  rule {
    object_ownership = "ObjectWriter"
  }
}

resource "aws_s3_bucket_public_access_block" "drop" {
  bucket             = aws_s3_bucket.drop.id
  block_public_acls  = false
  ignore_public_acls = true
}

resource "aws_s3_bucket_acl" "drop" {
  depends_on = [aws_s3_bucket_ownership_controls.drop, aws_s3_bucket_public_access_block.drop]
  bucket     = aws_s3_bucket.drop.id
  acl        = "public-read-write"
}

# A CloudWatch Logs resource policy naming the auditor: CloudWatch Logs enforces such policies for
# AWS services only.
data "aws_iam_policy_document" "delivery" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_user.auditor.arn]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "delivery" {
  policy_name     = "delivery"
  policy_document = data.aws_iam_policy_document.delivery.json
}
