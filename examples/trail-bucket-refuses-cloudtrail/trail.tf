# Four trails, each on in every region, encrypted and delivering to CloudWatch Logs,
# whose buckets' policies keep CloudTrail from writing their log files.
module "acl_only" {
  source        = "../modules/trail-options"
  name          = "acl-only"
  bucket_policy = "acl-only"
}

module "other_prefix" {
  source        = "../modules/trail-options"
  name          = "other-prefix"
  s3_key_prefix = "trails"
  bucket_policy = "other-prefix"
}

module "deny" {
  source        = "../modules/trail-options"
  name          = "deny"
  bucket_policy = "deny"
}

module "no_policy" {
  source        = "../modules/trail-options"
  name          = "no-policy"
  bucket_policy = "none"
}
