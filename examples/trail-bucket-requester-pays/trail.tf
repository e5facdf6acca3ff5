# Two trails, each on in every region, whose buckets are Requester Pays: "To deliver log
# files to an S3 bucket, CloudTrail must have the required permissions, and it cannot be
# configured as a Requester Pays bucket" (CloudTrail User Guide, Amazon S3 bucket policy for
# CloudTrail). One bucket is made Requester Pays by its own resource, the other by the
# bucket's deprecated request_payer argument.
module "trail" {
  source = "../modules/trail-options"
  name   = "account-trail"
}

resource "aws_s3_bucket_request_payment_configuration" "trail_logs" {
  bucket = "account-trail-logs-123456789012"
  payer  = "Requester"
}

resource "aws_s3_bucket" "payer_argument" {
  bucket        = "payer-argument-logs-123456789012"
  request_payer = "Requester"
}

resource "aws_s3_bucket_policy" "payer_argument" {
  bucket = aws_s3_bucket.payer_argument.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AWSCloudTrailAclCheck"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = "arn:aws:s3:::payer-argument-logs-123456789012"
      },
      {
        Sid       = "AWSCloudTrailWrite"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::payer-argument-logs-123456789012/AWSLogs/123456789012/*"
        Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control" } }
      },
    ]
  })
}

resource "aws_cloudtrail" "payer_argument" {
  name                          = "payer-argument"
  s3_bucket_name                = aws_s3_bucket.payer_argument.id
  is_multi_region_trail         = true
  include_global_service_events = true
  depends_on                    = [aws_s3_bucket_policy.payer_argument]
}
