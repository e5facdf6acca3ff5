module "mfa" {
  source     = "../modules/mfa-enforcement"
  group_name = "humans"
}

locals {
  mfa_group = module.mfa.group_name
}
