# Attributes replace the base's; the event_selector block replaces every base
# event_selector; the local and the variable default are overridden by name.
resource "aws_cloudtrail" "main" {
  is_multi_region_trail = false

  event_selector {
    read_write_type           = "WriteOnly"
    include_management_events = false
  }
}

locals {
  prefix = "weakened"
}

variable "validation" {
  default = false
}
