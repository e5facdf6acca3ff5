# The MFA policy still exists but is no longer attached to the group.
module "mfa" {
  source     = "../modules/mfa-enforcement"
  group_name = "humans"
  enforce    = false
}

locals {
  mfa_group = module.mfa.group_name
}
