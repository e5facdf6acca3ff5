# Lets the auditor invoke a function made elsewhere: a statement in the function's resource policy.
resource "aws_lambda_permission" "auditor" {
  statement_id  = "AuditorInvokes"
  action        = "lambda:InvokeFunction"
  function_name = "report-builder"
  principal     = aws_iam_user.auditor.arn
}
