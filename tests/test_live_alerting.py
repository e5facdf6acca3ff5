"""Alarms, subscriptions and metric filters judged live, against moto: the same
semantics as plans (README, "Alarms, trails and detectors"), from the API's own
attributes. Each case changes one thing of the secure account after seeding; the
expected verdict is written from the AWS API reference cited beside it."""
import json

import pytest
from moto_account import HOME, ROOT_USAGE, Account, reset, session

from accountguard.engine import evaluate
from accountguard.sources.live import load_account

BILLING = dict(AlarmName="estimated-charges", Namespace="AWS/Billing", MetricName="EstimatedCharges",
               Dimensions=[{"Name": "Currency", "Value": "USD"}], Statistic="Maximum", Period=21600,
               EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold")
ROOT_ALARM = dict(AlarmName="root-usage", Namespace="CISBenchmark", MetricName="root-usage", Statistic="Sum",
                  Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")


def _topic(boto, region, name):
    return boto.client("sns", region_name=region).create_topic(Name=name)["TopicArn"]


def _billing_alarm(**changes):
    def change(boto):
        topic = _topic(boto, "us-east-1", "billing-alerts")  # CreateTopic is idempotent: the seeded topic
        boto.client("cloudwatch", region_name="us-east-1").put_metric_alarm(
            **{**BILLING, "AlarmActions": [topic], **changes})
    return change


def _root_alarm(**changes):
    def change(boto):
        topic = _topic(boto, HOME, "security-alerts")
        boto.client("cloudwatch").put_metric_alarm(**{**ROOT_ALARM, "AlarmActions": [topic], **changes})
    return change


def _root_filter(pattern=ROOT_USAGE, value="1"):
    def change(boto):
        logs = boto.client("logs")
        # PutMetricFilter replaces a filter of the same name; moto adds a second one, so delete it first
        logs.delete_metric_filter(logGroupName="/aws/cloudtrail/account-trail", filterName="root-usage")
        logs.put_metric_filter(
            logGroupName="/aws/cloudtrail/account-trail", filterName="root-usage", filterPattern=pattern,
            metricTransformations=[{"metricName": "root-usage", "metricNamespace": "CISBenchmark", "metricValue": value}])
    return change


def _billing_subscribers(protocol, endpoint, **attributes):
    """The billing topic's only subscription becomes one of `protocol`."""
    def change(boto):
        sns = boto.client("sns", region_name="us-east-1")
        topic = _topic(boto, "us-east-1", "billing-alerts")
        for subscription in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)
    return change


def _cis_alarms_in_us_east_1(boto):
    topic = _topic(boto, "us-east-1", "security-alerts")
    watch = boto.client("cloudwatch")
    for name in ("root-usage", "console-signin-without-mfa"):
        watch.delete_alarms(AlarmNames=[name])
        boto.client("cloudwatch", region_name="us-east-1").put_metric_alarm(
            **{**ROOT_ALARM, "AlarmName": name, "MetricName": name, "AlarmActions": [topic]})


def judged(moto, *changes):
    reset(moto.url)
    overrides = Account(extra=list(changes)).seed()
    results = evaluate(load_account(session=session(), regions=["eu-west-1", "us-east-1"], overrides=overrides))
    return {r.control.id: r for r in results}


@pytest.mark.parametrize("change, control, status", [
    # ComparisonOperator: LessThanThreshold alarms while charges are low (API_PutMetricAlarm)
    (_billing_alarm(ComparisonOperator="LessThanThreshold"), "AG_BILL_1", "fail"),
    # a ServiceName dimension is one service's charges (monitor_estimated_charges_with_cloudwatch)
    (_billing_alarm(Dimensions=[{"Name": "Currency", "Value": "USD"}, {"Name": "ServiceName", "Value": "AmazonEC2"}]),
     "AG_BILL_1", "fail"),
    # ActionsEnabled false: state changes, no action runs (API_PutMetricAlarm)
    (_billing_alarm(ActionsEnabled=False), "AG_BILL_1", "fail"),
    # OKActions run on the way back to OK, never on ALARM
    (_billing_alarm(AlarmActions=[], OKActions=["arn:aws:sns:us-east-1:123456789012:billing-alerts"]),
     "AG_BILL_1", "fail"),
    # a Lambda subscriber: whether it tells a person cannot be seen (README decision)
    (_billing_subscribers("lambda", "arn:aws:lambda:us-east-1:123456789012:function:notify"), "AG_BILL_1", "error"),
    # a filter policy on message attributes drops alarm notifications, which have none (sns message filtering)
    (_billing_subscribers("email", "oncall@example.com", FilterPolicy=json.dumps({"severity": ["high"]})),
     "AG_BILL_1", "fail"),
    # https endpoints (a paging service) reach a person (README decision)
    (_billing_subscribers("https", "https://events.pagerduty.com/integration/abc/enqueue"), "AG_BILL_1", "pass"),
    # metricValue "0": Sum never reaches 1 (MonitoringPolicyExamples)
    (_root_filter(value="0"), "AG_MON_1", "fail"),
    # extra terms narrow the pattern to one source address (FilterAndPatternSyntax)
    (_root_filter(pattern=ROOT_USAGE[:-1] + '&& $.sourceIPAddress = "203.0.113.5" }'), "AG_MON_1", "fail"),
    # a regular expression is not evaluated
    (_root_filter(pattern='{ $.userIdentity.type = %Ro+t% }'), "AG_MON_1", "error"),
    # three breaching periods needed, one event breaches one
    (_root_alarm(EvaluationPeriods=3, DatapointsToAlarm=3), "AG_MON_1", "fail"),
    (_root_alarm(ActionsEnabled=False), "AG_MON_1", "fail"),
    # metrics are regional: alarms in us-east-1 on metrics published in eu-west-1
    (_cis_alarms_in_us_east_1, "AG_MON_1", "fail"),
], ids=["billing-below", "billing-one-service", "billing-actions-off", "billing-ok-only", "billing-lambda",
        "billing-filter-policy", "billing-https", "root-value-0", "root-narrowed", "root-regex",
        "root-three-periods", "root-actions-off", "cis-other-region"])
def test_live_alarm_semantics(moto, change, control, status):
    results = judged(moto, change)
    assert results[control].status.value == status, [f.message for f in results[control].findings]
