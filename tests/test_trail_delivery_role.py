"""AG_TRAIL_4 and AG_MON_1 need a delivery role CloudTrail can assume: its trust policy
must allow cloudtrail.amazonaws.com sts:AssumeRole
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html).
Variations of the trust policy in the plan of examples/trail-logs-role-shared."""
import json

import pytest
from test_controls import change_of, judge

ROLE = "aws_iam_role.delivery"


def trust(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW = {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}


@pytest.mark.parametrize("policy, status", [
    (trust(ALLOW), "pass"),
    (trust(dict(ALLOW, Action=["sts:*"])), "pass"),
    # aws:SourceArn, as AWS recommends against the confused deputy: not evaluated, not narrowing
    (trust(dict(ALLOW, Condition={"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/account-trail"}})), "pass"),
    (trust(dict(ALLOW, Effect="Deny")), "fail"),  # nothing allows CloudTrail
    (trust(ALLOW, {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}), "error"),  # a Deny: not evaluated
    (trust(dict(ALLOW, Action="sts:TagSession")), "fail"),
    (trust(dict(ALLOW, Principal={"Service": "config.amazonaws.com"})), "fail"),
    ("not json", "error"),
])
def test_delivery_role_trust_policy(plan_json, policy, status):
    plan = plan_json("trail-logs-role-shared")
    change_of(plan, ROLE)["after"]["assume_role_policy"] = policy
    assert judge(plan, "AG_TRAIL_4").status.value == status
    assert judge(plan, "AG_MON_1").status.value == status
