# Resource policies that leave the auditor read-only.

# Names the auditor, with Read and List actions only.
resource "aws_sns_topic" "reports" {
  name = "reports"
}

data "aws_iam_policy_document" "reports_topic" {
  statement {
    actions   = ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [aws_sns_topic.reports.arn]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_user.auditor.arn]
    }
  }
}

resource "aws_sns_topic_policy" "reports" {
  arn    = aws_sns_topic.reports.arn
  policy = data.aws_iam_policy_document.reports_topic.json
}

# Names the account root: delegates to the account's IAM policies.
resource "aws_s3_bucket" "reports" {
  bucket = "accountguard-reports"
}

resource "aws_s3_bucket_policy" "reports" {
  bucket = aws_s3_bucket.reports.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Account"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::accountguard-reports", "arn:aws:s3:::accountguard-reports/*"]
    }]
  })
}

# Everyone, but only for the topic's deliveries: aws:SourceArn is never in the auditor's own requests.
resource "aws_sqs_queue" "security" {
  name = "security-alerts"
}

data "aws_iam_policy_document" "security_queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.security.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.security.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "security" {
  queue_url = aws_sqs_queue.security.id
  policy    = data.aws_iam_policy_document.security_queue.json
}

# A service principal, and a key with the default key policy.
resource "aws_lambda_permission" "events" {
  statement_id  = "EventsInvoke"
  action        = "lambda:InvokeFunction"
  function_name = "report-builder"
  principal     = "events.amazonaws.com"
}

resource "aws_kms_key" "reports" {
  description         = "Encrypts reports"
  enable_key_rotation = true
}
