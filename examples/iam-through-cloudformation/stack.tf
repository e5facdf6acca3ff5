# An access key for alice, an administrator, made by a CloudFormation stack rather than by
# aws_iam_access_key: CAPABILITY_IAM lets the template make IAM resources.
resource "aws_cloudformation_stack" "legacy_ci" {
  name         = "legacy-ci"
  capabilities = ["CAPABILITY_IAM"]
  template_body = jsonencode({
    Resources = {
      AliceKey = { Type = "AWS::IAM::AccessKey", Properties = { UserName = "alice", Status = "Active" } }
    }
  })
}
