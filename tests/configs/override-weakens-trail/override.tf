# "override.tf" sorts before "trail_override.tf": Terraform merges this file
# first, so where both set an argument, trail_override.tf's value wins.
resource "aws_cloudtrail" "main" {
  is_multi_region_trail = true
  tags = {
    owner = "overridden"
  }
}
