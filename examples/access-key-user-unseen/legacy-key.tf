# A key for a user this configuration does not manage: whatever the user's policies
# allow, the key can do, and none of them is in the plan.
resource "aws_iam_access_key" "legacy" {
  user = "legacy"
}
