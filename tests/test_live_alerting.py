"""Alarms, subscriptions and metric filters judged live, against moto: the same
semantics as plans (README, "Alarms, trails and detectors"), from the API's own
attributes. Each case changes one thing of the secure account after seeding; the
expected verdict is written from the AWS API reference cited beside it."""
import json

import pytest
from moto_account import ACCOUNT_ID, HOME, ROOT_USAGE, Account, reset, session, stubbed

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
        alarm = {**BILLING, "AlarmActions": [topic], **changes}
        boto.client("cloudwatch", region_name="us-east-1").put_metric_alarm(
            **{k: v for k, v in alarm.items() if v is not None})  # None: left out
    return change


def _root_alarm(**changes):
    def change(boto):
        topic = _topic(boto, HOME, "security-alerts")
        alarm = {**ROOT_ALARM, "AlarmActions": [topic], **changes}
        boto.client("cloudwatch").put_metric_alarm(**{k: v for k, v in alarm.items() if v is not None})
    return change


def _both(*changes):
    return lambda boto: [change(boto) for change in changes]


def _root_filter(pattern=ROOT_USAGE, value="1", **transformation):
    def change(boto):
        logs = boto.client("logs")
        # PutMetricFilter replaces a filter of the same name; moto adds a second one, so delete it first
        logs.delete_metric_filter(logGroupName="/aws/cloudtrail/account-trail", filterName="root-usage")
        logs.put_metric_filter(
            logGroupName="/aws/cloudtrail/account-trail", filterName="root-usage", filterPattern=pattern,
            metricTransformations=[{"metricName": "root-usage", "metricNamespace": "CISBenchmark", "metricValue": value,
                                    **transformation}])
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


def judged(moto, *changes, account=None, **overrides):
    reset(moto.url)
    overrides.update((account or Account(extra=list(changes))).seed())
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
    # EstimatedCharges is published with Currency USD only (billing-metricscollected)
    (_billing_alarm(Dimensions=[{"Name": "Currency", "Value": "EUR"}]), "AG_BILL_1", "fail"),
    # a percentile ignoring low samples needs 10/(1-p) datapoints a period (percentiles-with-low-samples)
    (_billing_alarm(Statistic=None, ExtendedStatistic="p90", EvaluateLowSampleCountPercentile="ignore"),
     "AG_BILL_1", "fail"),
    (_billing_alarm(Statistic=None, ExtendedStatistic="p90"), "AG_BILL_1", "pass"),
    (_root_alarm(Statistic=None, ExtendedStatistic="p90", EvaluateLowSampleCountPercentile="ignore"),
     "AG_MON_1", "fail"),
    # the default value is published for every log event that does not match (API_MetricTransformation)
    (_both(_root_filter(defaultValue=0), _root_alarm(Statistic="SampleCount")), "AG_MON_1", "fail"),
    (_both(_root_filter(defaultValue=0), _root_alarm(Threshold=0)), "AG_MON_1", "fail"),
    (_root_filter(defaultValue=0), "AG_MON_1", "pass"),
    # missing data keeps the state: after the first event the alarm stays in ALARM (AlarmThatSendsEmail)
    (_root_alarm(TreatMissingData="ignore"), "AG_MON_1", "fail"),
    # root's read-only calls are root activity too
    (_root_filter(pattern=ROOT_USAGE[:-1] + '&& $.readOnly IS FALSE }'), "AG_MON_1", "fail"),
], ids=["billing-below", "billing-one-service", "billing-actions-off", "billing-ok-only", "billing-lambda",
        "billing-filter-policy", "billing-https", "root-value-0", "root-narrowed", "root-regex",
        "root-three-periods", "root-actions-off", "cis-other-region", "billing-eur", "billing-p90-ignore",
        "billing-p90", "root-p90-ignore", "root-default-sample-count", "root-default-breaching",
        "root-default-zero", "root-ignore-missing", "root-writes-only"])
def test_live_alarm_semantics(moto, change, control, status):
    results = judged(moto, change)
    assert results[control].status.value == status, [f.message for f in results[control].findings]


def _budget_from_2035(boto):
    boto.client("budgets", region_name="us-east-1").create_budget(
        AccountId=ACCOUNT_ID, Budget={"BudgetName": "monthly", "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                                      "TimeUnit": "MONTHLY", "BudgetType": "COST",
                                      "TimePeriod": {"Start": "2035-01-01T00:00:00Z"}},
        NotificationsWithSubscribers=[{"Notification": {"NotificationType": "ACTUAL",
                                                        "ComparisonOperator": "GREATER_THAN", "Threshold": 80},
                                       "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "oncall@example.com"}]}])


def test_live_reads_what_moto_lacks(moto):
    """A budget that starts in 2035 tracks nothing until then (API_budgets_TimePeriod); an
    Infrequent Access log group runs no metric filters (MonitoringLogData). moto keeps no
    log class: DescribeLogGroups is stubbed with CloudWatch Logs' answer."""
    subscribers = stubbed("budgets", "describe_subscribers_for_notification",
                          {"Subscribers": [{"SubscriptionType": "EMAIL", "Address": "oncall@example.com"}]})
    later = judged(moto, account=Account(billing_alarm=False, extra=[_budget_from_2035]),
                   **{"budgets:DescribeSubscribersForNotification": subscribers})
    assert later["AG_BILL_1"].status.value == "fail", [f.message for f in later["AG_BILL_1"].findings]
    assert "starts on 2035-01-01" in later["AG_BILL_1"].findings[0].message
    name = "/aws/cloudtrail/account-trail"
    groups = stubbed("logs", "describe_log_groups", {"logGroups": [
        {"logGroupName": name, "logGroupClass": "INFREQUENT_ACCESS",
         "logGroupArn": f"arn:aws:logs:{HOME}:{ACCOUNT_ID}:log-group:{name}"}]})
    infrequent = judged(moto, **{"logs:DescribeLogGroups": groups})
    assert infrequent["AG_MON_1"].status.value == "fail", [f.message for f in infrequent["AG_MON_1"].findings]
    assert "INFREQUENT_ACCESS" in infrequent["AG_MON_1"].findings[0].message
    assert judged(moto)["AG_MON_1"].status.value == "pass"  # moto's answer: no class, the default STANDARD
