"""AG_TRAIL_1 needs a bucket CloudTrail can write to: its policy must let the service
principal cloudtrail.amazonaws.com call s3:GetBucketAcl on the bucket and s3:PutObject on
PREFIX/AWSLogs/ACCOUNT/*, with the bucket-owner-full-control ACL CloudTrail's writes carry
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html);
an explicit Deny wins (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
Variations of the bucket policy in the plan of examples/trail-bucket-source-arn-prefix
(prefix trails, account 123456789012, eu-west-1, trail account-trail)."""
import json
from dataclasses import replace

import pytest
from conftest import TRAIL_BUCKET_TF
from test_controls import change_of, judge

from accountguard.controls import REGISTRY
from accountguard.engine import evaluate
from accountguard.model import Change, Inventory, Resource
from accountguard.sources.hcl import load_directory
from accountguard.sources.plan import inventory_from_plan

POLICY = "module.trail.aws_s3_bucket_policy.logs[0]"
BUCKET = "arn:aws:s3:::account-trail-logs-123456789012"
LOGS = f"{BUCKET}/trails/AWSLogs/123456789012/*"
TRAIL = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/account-trail"
CLOUDTRAIL = {"Service": "cloudtrail.amazonaws.com"}
ACL = {"Effect": "Allow", "Principal": CLOUDTRAIL, "Action": "s3:GetBucketAcl", "Resource": BUCKET}
WRITE = {"Effect": "Allow", "Principal": CLOUDTRAIL, "Action": "s3:PutObject", "Resource": LOGS,
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}
DENY_WRITES = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{BUCKET}/*"}


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def when(statement, operator, key, value):
    return dict(statement, Condition={**statement.get("Condition", {}), operator: {key: value}})


@pytest.mark.parametrize("document, status", [
    (policy(ACL, WRITE), "pass"),  # the guide's policy
    (policy(ACL, dict(WRITE, Resource=f"{BUCKET}/*")), "pass"),
    (policy(ACL, dict(WRITE, Resource=f"{BUCKET}/trails/AWSLogs/*")), "pass"),
    (policy(ACL, dict(WRITE, Resource=f"{BUCKET}/AWSLogs/123456789012/*")), "fail"),  # not under the prefix
    (policy(ACL, dict(WRITE, Resource=f"{BUCKET}/trails/AWSLogs/123456789012/CloudTrail/eu-west-1/*")),
     "fail"),  # a multi-region trail writes from every region
    (policy(WRITE), "fail"),  # no s3:GetBucketAcl
    (policy(ACL, dict(WRITE, Condition={"StringEquals": {"s3:x-amz-acl": "private"}})), "fail"),
    (policy(ACL, dict(WRITE, Principal={"AWS": "arn:aws:iam::123456789012:root"})), "fail"),  # not CloudTrail
    (policy(ACL, when(WRITE, "StringEquals", "aws:SourceArn", TRAIL)), "pass"),
    (policy(ACL, when(WRITE, "ArnLike", "aws:SourceArn", "arn:aws:cloudtrail:*:123456789012:trail/*")), "pass"),
    (policy(ACL, when(WRITE, "StringEquals", "aws:SourceArn", TRAIL.replace("account-trail", "other"))), "fail"),
    # the account the object key names and the one the trail's ARN names cannot both be the trail's
    (policy(ACL, when(WRITE, "StringEquals", "aws:SourceArn", TRAIL.replace("123456789012", "210987654321"))),
     "fail"),
    (policy(ACL, WRITE, DENY_WRITES), "fail"),
    (policy(ACL, WRITE, when(DENY_WRITES, "StringNotEquals", "aws:SourceAccount", "123456789012")), "pass"),
    (policy(ACL, WRITE, when(DENY_WRITES, "Bool", "aws:SecureTransport", "false")), "pass"),
    # a service principal is in no organization; AWS's pattern exempts AWS services
    (policy(ACL, WRITE, when(DENY_WRITES, "StringNotEqualsIfExists", "aws:PrincipalOrgID", "o-a1b2c3d4e5")),
     "fail"),
    (policy(ACL, WRITE, when(when(DENY_WRITES, "StringNotEqualsIfExists", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
                             "BoolIfExists", "aws:PrincipalIsAWSService", "false")), "pass"),
    # whether CloudTrail's request names an encryption is not documented
    (policy(ACL, WRITE, when(DENY_WRITES, "Null", "s3:x-amz-server-side-encryption", "true")), "error"),
    ("not json", "error"),
])
def test_bucket_policy(plan_json, document, status):
    plan = plan_json("trail-bucket-source-arn-prefix")
    change_of(plan, POLICY)["after"]["policy"] = document
    assert judge(plan, "AG_TRAIL_1").status.value == status


UNKNOWN_RESOURCE = """
provider "aws" {
  region = "eu-west-1"
}

resource "aws_s3_bucket" "logs" {
  bucket = "trail-logs-123456789012"
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "s3:GetBucketAcl",
        Resource = aws_s3_bucket.logs.arn },
      { Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "s3:PutObject",
        Resource = "${aws_s3_bucket.logs.arn}/AWSLogs/123456789012/*" },
    ]
  })
}

resource "aws_cloudtrail" "this" {
  name                  = "account-trail"
  s3_bucket_name        = aws_s3_bucket.logs.id
  is_multi_region_trail = true
}
"""


def test_a_resource_known_only_after_apply_is_an_error_saying_how_to_write_it(tmp_path):
    (tmp_path / "main.tf").write_text(UNKNOWN_RESOURCE)
    result, = evaluate(load_directory(tmp_path), None, [REGISTRY["AG_TRAIL_1"]])
    assert result.status.value == "error"
    assert "arn:aws:s3:::${aws_s3_bucket.x.bucket}/AWSLogs/" in result.findings[0].message


def test_each_requester_pays_bucket_fails_its_trail(plan_json):
    messages = {f.subject: f.message for f in judge(plan_json("trail-bucket-requester-pays"), "AG_TRAIL_1").findings}
    assert ("aws_s3_bucket_request_payment_configuration.trail_logs makes it Requester Pays"
            in messages["module.trail.aws_cloudtrail.this"])
    assert "its request_payer makes it Requester Pays" in messages["aws_cloudtrail.payer_argument"]


PAYMENT = "aws_s3_bucket_request_payment_configuration.logs"


def _payer_from_state(plan_json, *, before=(), after=(), changes=()):
    """The plan of trail-bucket-source-arn-prefix with its bucket's prior state showing
    Requester, which the configuration does not write (moto keeps no request payment setting,
    so no real plan can hold this state)."""
    inventory = inventory_from_plan(plan_json("trail-bucket-source-arn-prefix"), "plan")
    bucket, = (r for r in inventory.resources if r.address == "module.trail.aws_s3_bucket.logs")
    assert "request_payer" not in bucket.configured
    resources = [replace(r, values={**r.values, "request_payer": "Requester"}) if r is bucket else r
                 for r in inventory.resources]
    return Inventory("plan", "plan", [*resources, *after], before=Inventory("before", "plan", before),
                     changes=changes)


def _payment(payer):
    return Resource(PAYMENT, "aws_s3_bucket_request_payment_configuration",
                    {"bucket": "account-trail-logs-123456789012", "payer": payer},
                    references={"bucket": ("module.trail.aws_s3_bucket.logs",)})


@pytest.mark.parametrize("case, expected", [
    ({}, "fail"),  # Requester Pays outside Terraform: the apply leaves it so
    ({"after": [_payment("BucketOwner")]}, "pass"),  # the payment resource the plan keeps sets the payer
    ({"before": [_payment("Requester")],  # destroyed, it "resets the bucket's payer to the S3 default"
      "changes": [Change(PAYMENT, "aws_s3_bucket_request_payment_configuration", ("delete",))]}, "pass"),
])
def test_a_payer_only_the_state_shows_gives_way_to_the_payment_resource(plan_json, case, expected):
    result, = evaluate(_payer_from_state(plan_json, **case), None, [REGISTRY["AG_TRAIL_1"]])
    assert result.status.value == expected, [f.message for f in result.findings]


def test_each_refusing_bucket_fails_its_trail_for_its_reason(plan_json):
    messages = {f.subject: f.message for f in judge(plan_json("trail-bucket-refuses-cloudtrail"),
                                                    "AG_TRAIL_1").findings}
    # the configuration names one account (var.account_id), taken to be the trail's
    assert "perform s3:PutObject on AWSLogs/123456789012/" in messages["module.acl_only.aws_cloudtrail.this"]
    assert "s3:PutObject on trails/AWSLogs/123456789012/" in messages["module.other_prefix.aws_cloudtrail.this"]
    assert "'DenyCloudTrailWrites' denies s3:PutObject" in messages["module.deny.aws_cloudtrail.this"]
    assert "has no bucket policy" in messages["module.no_policy.aws_cloudtrail.this"]


def test_a_bucket_named_by_its_name_is_the_plan_s_bucket(plan_json):
    plan = plan_json("trail-bucket-source-arn-prefix")
    change = change_of(plan, "module.trail.aws_cloudtrail.this")
    change["after"]["s3_bucket_name"] = "account-trail-logs-123456789012"
    change["after_unknown"].pop("s3_bucket_name", None)
    assert judge(plan, "AG_TRAIL_1").status.value == "pass"
    change["after"]["s3_bucket_name"] = "another-bucket"
    assert judge(plan, "AG_TRAIL_1").status.value == "error"


def test_two_policies_of_one_bucket_are_an_error_whichever_lets_cloudtrail_in(tmp_path):
    """A bucket has one policy and each PutBucketPolicy replaces the last: which of two survives
    depends on the order Terraform applies them in, which it does not fix."""
    refusing = '''
resource "aws_s3_bucket_policy" "extra" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}
'''
    (tmp_path / "main.tf").write_text('resource "aws_cloudtrail" "this" {\n  name = "t"\n  s3_bucket_name = aws_s3_bucket.logs.id\n'
                                      '  is_multi_region_trail = true\n}\n' + TRAIL_BUCKET_TF % {"bucket": "logs"} + refusing)
    result, = evaluate(load_directory(tmp_path), None, [REGISTRY["AG_TRAIL_1"]])
    assert result.status.value == "error"
    assert "whichever Terraform applies last" in result.findings[0].message
    (tmp_path / "main.tf").write_text((tmp_path / "main.tf").read_text().replace(refusing, ""))
    result, = evaluate(load_directory(tmp_path), None, [REGISTRY["AG_TRAIL_1"]])
    assert result.status.value == "pass", result.findings[0].message
