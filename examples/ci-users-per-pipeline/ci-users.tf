# One CI user per pipeline: the docs pipeline only reads, the release pipeline
# writes, and its key is active.
locals {
  pipelines = {
    docs    = ["s3:GetObject", "s3:ListBucket"]
    release = ["s3:GetObject", "s3:PutObject", "lambda:UpdateFunctionCode"]
  }
}

module "ci_user" {
  source   = "../modules/ci-user"
  for_each = local.pipelines
  name     = each.key
  actions  = each.value
  groups   = [local.mfa_group]
}
