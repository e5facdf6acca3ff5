# The uploads bucket lets the auditor of account 999999999999 write. The plan makes an auditor too, in
# its own account, which it does not name: whether that is the same user depends on it.
resource "aws_s3_bucket" "uploads" {
  bucket = "accountguard-uploads"
}

data "aws_iam_policy_document" "uploads" {
  statement {
    sid       = "AuditorUploads"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::accountguard-uploads/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::999999999999:user/auditor"]
    }
  }
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.uploads.json
}
