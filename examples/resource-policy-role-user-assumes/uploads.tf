# The role the auditor can assume only reads by its own policies, but the uploads bucket's policy
# lets the role write.
resource "aws_s3_bucket" "uploads" {
  bucket = "accountguard-uploads"
}

data "aws_iam_policy_document" "uploads" {
  statement {
    sid       = "ReaderUploads"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::accountguard-uploads/*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.reader.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.uploads.json
}
