provider "aws" {
  region = "us-east-1"
}

locals {
  settings = {
    trail_name   = "org-audit"
    multi_region = true
  }
  password = { length = 20 }
}

module "baseline" {
  source          = "./modules/baseline"
  settings        = local.settings
  password_length = lookup(local.password, "length", 14)
  legacy_trail    = false
}
