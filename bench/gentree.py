"""A Terraform tree of 100 .tf files across 10 local modules, written the way
account baselines are: per-team users with for_each, policy documents, buckets,
trails and alarms."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

FILE = '''
locals {{
  users_{i} = toset([for n in range(4) : "${{var.team}}-user-{i}-${{n}}"])
}}

resource "aws_iam_user" "u{i}" {{
  for_each = local.users_{i}
  name     = each.value
}}

data "aws_iam_policy_document" "p{i}" {{
  statement {{
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.b{i}.arn, "${{aws_s3_bucket.b{i}.arn}}/*"]
  }}
}}

resource "aws_iam_policy" "p{i}" {{
  name   = "${{var.team}}-read-{i}"
  policy = data.aws_iam_policy_document.p{i}.json
}}

resource "aws_iam_user_policy_attachment" "p{i}" {{
  for_each   = aws_iam_user.u{i}
  user       = each.value.name
  policy_arn = aws_iam_policy.p{i}.arn
}}

resource "aws_s3_bucket" "b{i}" {{
  bucket = "${{var.team}}-data-{i}"
}}

resource "aws_cloudwatch_metric_alarm" "a{i}" {{
  alarm_name          = "${{var.team}}-errors-{i}"
  namespace           = "Custom/${{var.team}}"
  metric_name         = "Errors{i}"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = {i}
  alarm_actions       = [var.topic_arn]
}}
'''
TRAIL = '''
variable "team" {
  type = string
}

variable "topic_arn" {
  type = string
}

resource "aws_cloudtrail" "this" {
  name                       = "${var.team}-trail"
  s3_bucket_name             = aws_s3_bucket.b0.id
  is_multi_region_trail      = true
  enable_log_file_validation = true
}
'''


def generate(out: Path, modules: int = 10, files_per_module: int = 10) -> int:
    shutil.rmtree(out, ignore_errors=True)
    calls = ['provider "aws" {\n  region = "eu-west-1"\n}\n',
             'resource "aws_sns_topic" "alerts" {\n  name = "alerts"\n}\n']
    count = 1
    for m in range(modules):
        directory = out / "modules" / f"team{m}"
        directory.mkdir(parents=True)
        (directory / "main.tf").write_text(TRAIL)
        for i in range(files_per_module - 1):
            (directory / f"part{i}.tf").write_text(FILE.format(i=i))
        count += files_per_module
        calls.append(f'module "team{m}" {{\n  source    = "./modules/team{m}"\n  team      = "team{m}"\n'
                     f'  topic_arn = aws_sns_topic.alerts.arn\n}}\n')
    (out / "main.tf").write_text("\n".join(calls))
    return count


if __name__ == "__main__":
    print(generate(Path(sys.argv[1])))
