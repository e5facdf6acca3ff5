"""AG_TRAIL_4 and AG_MON_1 need a delivery role CloudTrail can assume
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html):
IAM evaluates the role's trust policy as a resource policy for the service principal
cloudtrail.amazonaws.com calling sts:AssumeRole; an explicit Deny wins, and nothing is
allowed unless a statement allows it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
Whether CloudTrail's request carries aws:SourceArn and aws:SourceAccount is not documented:
the CloudTrail guide says this role does not support them
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html),
so a condition that holds only with them, or only without them, cannot be judged.
Variations of the trust policy in the plan of examples/trail-logs-role-shared (whose trail
ARN is known only after apply), and of the moto account's delivery role, judged live."""
import json

import pytest
from moto_account import ACCOUNT_ID, REGIONS, Account, reset, session
from test_controls import change_of, judge

from accountguard.engine import evaluate
from accountguard.sources.live import load_account

ROLE = "aws_iam_role.delivery"
TRAIL = f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT_ID}:trail/account-trail"  # the moto account's trail
OTHER_TRAIL = f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT_ID}:trail/other-trail"
OTHER_ACCOUNT = "210987654321"


def trust(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW = {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}
DENY_ALL = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}


def when(operator, **keys):
    return dict(ALLOW, Condition={operator: {k.replace("_", ":", 1): v for k, v in keys.items()}})


@pytest.mark.parametrize("policy, status", [
    (trust(ALLOW), "pass"),  # the guide's trust policy
    (trust(dict(ALLOW, Action=["sts:*"])), "pass"),
    (trust(dict(ALLOW, Principal="*")), "pass"),  # everyone, CloudTrail included
    (trust(dict(ALLOW, Principal={"Service": ["lambda.amazonaws.com", "cloudtrail.amazonaws.com"]})), "pass"),
    (trust(ALLOW, dict(DENY_ALL, Principal={"Service": "lambda.amazonaws.com"})), "pass"),  # a Deny of another
    (trust(dict(ALLOW, Effect="Deny")), "fail"),  # nothing allows CloudTrail
    (trust(ALLOW, DENY_ALL), "fail"),  # an explicit Deny wins
    (trust(dict(ALLOW, Action="sts:TagSession")), "fail"),
    (trust(dict(ALLOW, Principal={"Service": "config.amazonaws.com"})), "fail"),
    (trust(dict(ALLOW, Principal={"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})), "fail"),  # the account, not CloudTrail
    # holds only if the request carries aws:SourceArn, and the trail's ARN is known only after apply
    (trust(when("StringEquals", aws_SourceArn=TRAIL)), "error"),
    (trust(when("StringEqualsIfExists", aws_SourceArn=OTHER_TRAIL)), "error"),
    (trust(ALLOW, dict(DENY_ALL, Condition={"StringNotEquals": {"aws:SourceAccount": ACCOUNT_ID}})), "error"),
    # IAM accepts neither in a role trust policy
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)
    (trust({"Effect": "Allow", "NotPrincipal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
     "error"),
    (trust(dict(ALLOW, Resource="*")), "error"),
    ("not json", "error"),
])
def test_delivery_role_trust_policy(plan_json, policy, status):
    plan = plan_json("trail-logs-role-shared")
    change_of(plan, ROLE)["after"]["assume_role_policy"] = policy
    assert judge(plan, "AG_TRAIL_4").status.value == status
    assert judge(plan, "AG_MON_1").status.value == status


def _trusting(policy):
    def change(boto):
        boto.client("iam").update_assume_role_policy(RoleName="trail-to-logs", PolicyDocument=policy)
    return change


@pytest.mark.parametrize("policy, status", [
    (trust(ALLOW), "pass"),
    # live, the trail's ARN and account are known
    (trust(when("StringEqualsIfExists", aws_SourceArn=TRAIL, aws_SourceAccount=ACCOUNT_ID)), "pass"),
    (trust(when("StringEquals", aws_SourceArn=OTHER_TRAIL)), "fail"),  # holds neither with nor without the key
    (trust(when("StringEqualsIfExists", aws_SourceArn=OTHER_TRAIL)), "error"),  # holds only without it
    (trust(when("StringEquals", aws_SourceAccount=OTHER_ACCOUNT)), "fail"),
    (trust(when("ArnLike", aws_SourceArn=f"arn:aws:cloudtrail:*:{OTHER_ACCOUNT}:trail/*")), "fail"),
    (trust(when("StringEquals", aws_SourceArn=TRAIL)), "error"),  # holds only with it
    (trust(ALLOW, DENY_ALL), "fail"),
    # a negated operator holds when the key is absent, and the trail's account is not the one named: denied
    # both ways (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
    (trust(ALLOW, dict(DENY_ALL, Condition={"StringNotEquals": {"aws:SourceAccount": OTHER_ACCOUNT}})), "fail"),
], ids=["guide", "own-trail-if-exists", "other-trail", "other-trail-if-exists", "other-account",
        "other-account-arnlike", "own-trail", "deny", "deny-unless-other-account"])
def test_delivery_role_trust_policy_judged_live(moto, policy, status):
    reset(moto.url)
    overrides = Account(extra=[_trusting(policy)]).seed()
    results = {r.control.id: r.status.value for r in evaluate(
        load_account(session=session(), regions=REGIONS, overrides=overrides, report_timeout=10))}
    assert results["AG_TRAIL_4"] == results["AG_MON_1"] == status
