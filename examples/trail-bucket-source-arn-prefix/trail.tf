# The bucket policy lets CloudTrail write under the trail's prefix for this trail only
# (aws:SourceArn and aws:SourceAccount, as AWS recommends) and denies requests without TLS.
module "trail" {
  source        = "../modules/trail-options"
  name          = "account-trail"
  s3_key_prefix = "trails"
  bucket_policy = "source-arn"
}
