# The auditor's key can assume a role, and the role only reads: the key still only reads.
# The trust policy names the user by a reference, known only after apply in a plan.
data "aws_iam_policy_document" "auditor_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_user.auditor.arn]
    }
  }
}

resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = data.aws_iam_policy_document.auditor_trust.json
}

resource "aws_iam_role_policy_attachment" "reader" {
  role       = aws_iam_role.reader.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
