# Added in a hurry: in no group, so not subject to the MFA policy.
resource "aws_iam_user" "contractor" {
  name = "contractor"
}

resource "aws_iam_user_login_profile" "contractor" {
  user = aws_iam_user.contractor.name
}
