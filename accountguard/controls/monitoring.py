from __future__ import annotations

from collections import defaultdict

from ..access import KEY_TYPES
from ..alerting import alarm_gap
from ..config import Config
from ..logpatterns import PatternNotEvaluated, compile_pattern
from ..model import Error, Fail, Inventory, Pass, Resource, Unknown
from . import Coverage, control
from .cloudtrail import TRAIL_DEFAULTS, delivery_role_gap, trail_gaps


def _event(**fields) -> dict:
    """A CloudTrail record as CloudTrail delivers it to CloudWatch Logs
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)."""
    return {"eventVersion": "1.09", "eventTime": "2026-11-30T03:12:45Z", "recipientAccountId": "123456789012",
            "requestParameters": None, "responseElements": None, "readOnly": False,
            "managementEvent": True, "eventCategory": "Management", **fields}


_ROOT = {"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root",
         "accountId": "123456789012"}

# What each CIS alarm must catch: representative events, varied in every field the
# CIS pattern does not name, so a pattern narrowed by extra terms misses one of them.
EVENTS: dict[str, list[tuple[str, dict]]] = {
    "root-user activity": [
        ("the root user creating an access key with the CLI", _event(
            userIdentity={**_ROOT, "accessKeyId": "ASIAEXAMPLE"}, eventSource="iam.amazonaws.com",
            eventName="CreateAccessKey", awsRegion="us-east-1", sourceIPAddress="198.51.100.7",
            userAgent="aws-cli/2.15.0", eventType="AwsApiCall", requestParameters={"userName": "backdoor"})),
        ("the root user signing in to the console", _event(
            userIdentity=_ROOT, eventSource="signin.amazonaws.com", eventName="ConsoleLogin",
            awsRegion="us-east-1", sourceIPAddress="203.0.113.5", userAgent="Mozilla/5.0",
            eventType="AwsConsoleSignIn", responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"})),
        ("the root user of a member account starting instances in another region (an organization trail)", _event(
            userIdentity={**_ROOT, "principalId": "210987654321", "arn": "arn:aws:iam::210987654321:root",
                          "accountId": "210987654321"}, recipientAccountId="210987654321",
            eventSource="ec2.amazonaws.com", eventName="RunInstances",
            awsRegion="ap-southeast-2", sourceIPAddress="2001:db8::17", userAgent="Boto3/1.35.0",
            eventType="AwsApiCall", readOnly=False, eventVersion="1.10", eventTime="2027-02-14T22:41:07Z")),
        ("the root user listing buckets with an access key (a read-only call)", _event(
            userIdentity={**_ROOT, "accessKeyId": "AKIAEXAMPLEROOT"}, eventSource="s3.amazonaws.com",
            eventName="ListBuckets", awsRegion="eu-central-1", sourceIPAddress="192.0.2.200",
            userAgent="aws-sdk-go-v2/1.30.0", eventType="AwsApiCall", readOnly=True, eventVersion="1.08",
            eventTime="2026-07-04T09:00:00Z", requestParameters={"Host": "s3.eu-central-1.amazonaws.com"})),
    ],
    "console sign-in without MFA": [
        ("an IAM user signing in to the console with a password only", _event(
            userIdentity={"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "123456789012",
                          "arn": "arn:aws:iam::123456789012:user/alice", "userName": "alice"},
            eventSource="signin.amazonaws.com", eventName="ConsoleLogin", awsRegion="us-east-1",
            sourceIPAddress="192.0.2.44", userAgent="Mozilla/5.0", eventType="AwsConsoleSignIn",
            responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "No", "MobileVersion": "No", "LoginTo": "https://console.aws.amazon.com/"})),
        ("another IAM user signing in without MFA through a regional endpoint", _event(
            userIdentity={"type": "IAMUser", "principalId": "AIDAOTHER", "accountId": "123456789012",
                          "arn": "arn:aws:iam::123456789012:user/ops/bob", "userName": "bob"},
            eventSource="signin.amazonaws.com", eventName="ConsoleLogin", awsRegion="eu-west-1",
            sourceIPAddress="2001:db8::99", userAgent="Mozilla/5.0 (X11; Linux x86_64)",
            eventType="AwsConsoleSignIn", responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "No", "MobileVersion": "No",
                                 "LoginTo": "https://eu-west-1.console.aws.amazon.com/"},
            eventVersion="1.11", eventTime="2027-01-01T00:00:01Z")),
        ("an IAM user of a member account signing in through the Console Mobile App without MFA "
         "(an organization trail)", _event(
            userIdentity={"type": "IAMUser", "principalId": "AIDAMEMBER", "accountId": "210987654321",
                          "arn": "arn:aws:iam::210987654321:user/carol", "userName": "carol"},
            eventSource="signin.amazonaws.com", eventName="ConsoleLogin", awsRegion="us-east-1",
            sourceIPAddress="198.51.100.23", userAgent="aws-console-mobile-app/3.2 (Android 14)",
            eventType="AwsConsoleSignIn", responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "No", "MobileVersion": "Yes", "LoginTo": "https://console.aws.amazon.com/"},
            recipientAccountId="210987654321", eventVersion="1.08", eventTime="2026-08-19T13:37:00Z")),
    ],
}

def _trail_log_groups(inventory: Inventory):
    """(region, name) and addresses of the log groups that receive every management
    event; the trails that deliver to CloudWatch Logs but miss events; what is unknown."""
    groups: set[tuple[str, str]] = set()
    addresses: dict[str, object] = {}
    partial, unknown = [], []
    inventory.of_type("aws_cloudwatch_log_group")  # their class decides: a failed read is an error, not Standard
    for trail in inventory.of_type("aws_cloudtrail"):
        if not trail.written("cloud_watch_logs_group_arn"):
            continue
        gaps, unclear = trail_gaps(trail)
        delivery = delivery_role_gap(inventory, trail)
        if isinstance(delivery, Unknown):
            unclear.append(delivery.why)
        elif delivery:
            gaps.append(delivery)
        if gaps:
            partial.append(f"{trail.address} {'; '.join(gaps)}")
            continue
        if unclear:
            unknown.append(Unknown(f"{trail.address}: {'; '.join(unclear)}"))
            continue
        link = inventory.link(trail, "cloud_watch_logs_group_arn", "aws_cloudwatch_log_group")
        for group in link.resources:
            kind = None if group.mode == "managed" and group.left_unset("log_group_class") else \
                group.values.get("log_group_class")  # a data source reads it
            kind = kind or "STANDARD"  # CloudWatch Logs' default; empty in the state of older log groups
            if isinstance(kind, Unknown):
                unknown.append(Unknown(f"the log group class of {group.address} is known only after apply"))
                continue
            if kind != "STANDARD":  # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html
                partial.append(f"{trail.address} delivers to {group.address}, of log class {kind}; metric filters "
                               "work only on Standard log groups")
                continue
            addresses[group.address] = group.region
            if isinstance(group.values.get("name"), str):
                groups.add((group.region, group.values["name"]))
        for arn in link.outside:
            parts = arn.split(":")
            if len(parts) > 6 and parts[5] == "log-group":
                groups.add((parts[3], parts[6]))
        if link.unknown:
            unknown.append(link.unknown)
    return groups, addresses, partial, unknown


def _watches_trail(inventory: Inventory, metric_filter: Resource, groups, addresses) -> bool | Unknown:
    if isinstance(metric_filter.region, Unknown):
        return metric_filter.region
    name = metric_filter.values.get("log_group_name")
    if isinstance(name, str):
        return (metric_filter.region, name) in groups
    return any(addresses.get(g.address) == metric_filter.region for g in
               inventory.link(metric_filter, "log_group_name", "aws_cloudwatch_log_group").resources)


def _metric(metric_filter: Resource) -> tuple:
    transformation = metric_filter.first_block("metric_transformation")
    return tuple(v if isinstance(v, str) else None for v in (transformation.get("namespace"),
                                                              transformation.get("name")))


def _region_gap(metric_filter: Resource, alarm: Resource) -> str | Unknown | None:
    """Metrics are regional: an alarm sees only the metrics of its own region."""
    if isinstance(alarm.region, Unknown):
        return alarm.region
    if alarm.region != metric_filter.region:
        return (f"{alarm.address} is in {alarm.region} and the metric of {metric_filter.address} in "
                f"{metric_filter.region}, so the alarm gets no data")
    return None


def _missed(metric_filter: Resource, event: str) -> list[str] | Unknown:
    """The representative events of `event` the filter's pattern does not match."""
    pattern = metric_filter.values.get("pattern")
    if isinstance(pattern, Unknown) or not isinstance(pattern, str):
        return Unknown(f"the pattern of {metric_filter.address} is known only after apply")
    try:
        matches = compile_pattern(pattern)
    except PatternNotEvaluated as exc:
        return Unknown(f"the pattern of {metric_filter.address} cannot be evaluated: {exc}")
    return [what for what, record in EVENTS[event] if not matches(record)]


def _level(metric_filter: Resource, alarm: Resource) -> tuple[float, float | None] | str | Unknown:
    """What one matching event makes the alarm's statistic, and what a period of
    log events that do not match makes it (None: no data), or why it cannot be said.
    A default value is published for each log event that does not match
    (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricTransformation.html)."""
    transformation = metric_filter.first_block("metric_transformation")
    value, default = transformation.get("value"), transformation.get("default_value")
    for attr, known in (("metric value", value), ("default value", default)):
        if isinstance(known, Unknown):
            return Unknown(f"the {attr} of {metric_filter.address} is known only after apply")
    try:
        level = float(value)
        default = None if default in (None, "") else float(default)
    except (TypeError, ValueError):
        return Unknown(f"{metric_filter.address} takes its metric value from the event ({value}); "
                       "accountguard does not evaluate it")
    statistic = alarm.values.get("statistic")
    if isinstance(statistic, Unknown):
        return Unknown(f"statistic of {alarm.address} is known only after apply")
    if default is None:
        return (1.0 if statistic == "SampleCount" else level), None
    if statistic == "Maximum":
        return max(level, default), default
    if statistic == "Sum" and default == 0:
        return level, 0.0
    others = {"SampleCount": "every log event counts, so the trail's other events alone keep it in ALARM",
              "Sum": "the other events in the period " + ("alone reach any threshold" if default > 0 else
                                                           "take away what the event adds")}
    return (f"{alarm.address} uses {statistic or alarm.values.get('extended_statistic')} while "
            f"{metric_filter.address} publishes the default value {default:g} for every other log event: "
            + others.get(statistic, "one event is averaged away"))


def _dimension_gap(metric_filter: Resource, alarm: Resource) -> str | Unknown | None:
    """A metric is its namespace, name, dimensions and unit: an alarm asking for others gets no data."""
    unit = alarm.values.get("unit")
    published_unit = metric_filter.first_block("metric_transformation").get("unit") or "None"
    if isinstance(unit, Unknown) or isinstance(published_unit, Unknown):
        return Unknown(f"the unit of {alarm.address} or {metric_filter.address} is known only after apply")
    if unit not in (None, "") and unit != published_unit:
        return f"{alarm.address} asks for unit {unit} and {metric_filter.address} publishes {published_unit}"
    published = metric_filter.first_block("metric_transformation").get("dimensions") or {}
    watched = alarm.values.get("dimensions") or {}
    for value in (published, watched):
        if isinstance(value, Unknown):
            return Unknown(f"the dimensions of {alarm.address} or {metric_filter.address} are known only after apply")
    if published or watched:
        if bool(published) != bool(watched) or set(published) != set(watched):
            return (f"{alarm.address} watches the metric with dimensions {sorted(watched)} and "
                    f"{metric_filter.address} publishes it with {sorted(published)}, so it gets no data")
        return Unknown(f"{metric_filter.address} publishes dimensions from the event; "
                       "accountguard does not evaluate them")
    return None


FAMILIES = ("aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm",
            "aws_sns_*", "data.aws_sns_*", "aws_cloudwatch_log_group", "data.aws_cloudwatch_log_group*",
            "aws_cloudtrail*", "data.aws_cloudtrail*")
SNS_COVERAGE = dict(
    defaults={
        "aws_cloudwatch_metric_alarm.actions_enabled": "true (provider: \"Defaults to true\")",
        "aws_cloudwatch_metric_alarm.treat_missing_data": "missing (provider: \"Defaults to missing\")",
        "aws_cloudwatch_metric_alarm.evaluate_low_sample_count_percentiles": "evaluate (CloudWatch: a percentile "
                                                                            "alarm is evaluated however few "
                                                                            "datapoints it has)",
        "aws_sns_topic.policy": "SNS's default topic policy: the owner account's principals "
                                "(https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html)",
        "aws_kms_key.policy": "KMS's default key policy: the account's root only "
                              "(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)",
        "aws_sns_topic_subscription.filter_policy_scope": "MessageAttributes (SNS: the default filter policy "
                                                          "scope)",
    },
    read=("aws_sns_topic", "aws_sns_topic_subscription", "aws_sns_topic_policy", "data.aws_sns_topic",
          "aws_cloudwatch_composite_alarm", *KEY_TYPES, "aws_kms_key_policy"),
    irrelevant={
        "aws_sns_platform_application": "the mobile push platform; a subscription of protocol application is "
                                        "what is read",
        "aws_sns_sms_preferences": "sets the SMS spending limit and sender ID; CloudWatch alarm texts are "
                                   "still sent within it",
        "aws_sns_topic_data_protection_policy": "masks or blocks personal data patterns in messages; "
                                                "alarm notifications carry none",
    })


@control(
    id="AG_MON_1", title="Root activity and console sign-in without MFA raise alarms", severity="medium",
    cis="5.2, 5.3", modes="PHL",
    rationale="Root use and password-only sign-ins are the first signs of a taken-over account; someone must be told.",
    fix='resource "aws_cloudwatch_log_metric_filter" "root_usage" {\n'
        "  log_group_name = aws_cloudwatch_log_group.trail.name\n"
        "  pattern        = \"{ $.userIdentity.type = \\\"Root\\\" && $.userIdentity.invokedBy NOT EXISTS "
        "&& $.eventType != \\\"AwsServiceEvent\\\" }\"\n"
        '  metric_transformation {\n    name      = "RootUsage"\n    namespace = "CISBenchmark"\n    value     = "1"\n  }\n}\n'
        "# ...and an aws_cloudwatch_metric_alarm on CISBenchmark/RootUsage acting on a subscribed SNS topic;\n"
        "# the same for { ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") }",
    coverage=Coverage(
        families=FAMILIES, defaults={**SNS_COVERAGE["defaults"], **TRAIL_DEFAULTS,
                                     "aws_cloudwatch_log_group.log_group_class": "STANDARD (CloudWatch Logs' "
                                                                                 "default log class)"},
        read=("aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_log_group",
              "data.aws_cloudwatch_log_group", "aws_cloudtrail", "aws_iam_role", *SNS_COVERAGE["read"]),
        irrelevant={
            **SNS_COVERAGE["irrelevant"],
            "data.aws_cloudwatch_log_groups": "lists log groups; delivers nothing",
            "aws_cloudtrail_event_data_store": "CloudTrail Lake keeps events for queries; it delivers nothing "
                                               "to CloudWatch Logs",
            "aws_cloudtrail_organization_delegated_admin_account": "who administers organization trails; the "
                                                                   "trails themselves are read",
            "data.aws_cloudtrail_service_account": "the account of CloudTrail's log delivery, for bucket "
                                                   "policies",
        }),
)
def cis_alarms(inventory: Inventory, config: Config):
    groups, addresses, partial, unknown = _trail_log_groups(inventory)
    if not groups and not addresses:
        if unknown:
            yield Error("account", unknown[0].why)
        elif partial:
            yield Fail("account", "no trail that records every management event delivers to a CloudWatch Logs "
                       "group metric filters read: " + "; ".join(partial))
        else:
            yield Fail("account", "no trail delivers to CloudWatch Logs, so no metric filter can watch it")
        return
    alarms = defaultdict(list)  # by the (namespace, name) of the metric they watch
    on_math = []  # alarms on metric math (metric_query), which is not evaluated
    for alarm in inventory.of_type("aws_cloudwatch_metric_alarm"):
        if alarm.values.get("metric_query"):
            on_math.append(alarm)
            continue
        metric = alarm.values.get("metric_name")
        if isinstance(metric, Unknown):
            for source in inventory.link(alarm, "metric_name", "aws_cloudwatch_log_metric_filter").resources:
                alarms[_metric(source)].append(alarm)
        elif isinstance(metric, str) and isinstance(alarm.values.get("namespace"), str):
            alarms[(alarm.values["namespace"], metric)].append(alarm)
    missing, problems = [], []
    for event in EVENTS:
        gaps, narrowed = [], []
        for metric_filter in inventory.of_type("aws_cloudwatch_log_metric_filter"):
            watches = _watches_trail(inventory, metric_filter, groups, addresses)
            if watches is not True:
                if isinstance(watches, Unknown):
                    gaps.append(watches)
                continue
            missed = _missed(metric_filter, event)
            if isinstance(missed, Unknown):
                gaps.append(missed)
                continue
            if missed:
                if len(missed) < len(EVENTS[event]):  # matches some: meant for this, but narrowed
                    narrowed.append(f"the pattern of {metric_filter.address} does not match {missed[0]}")
                continue
            watching = alarms.get(_metric(metric_filter), ())
            if not watching:
                gaps.append(Unknown(f"{on_math[0].address} alarms on metric math, which accountguard does not "
                                    "evaluate") if on_math else f"no alarm watches the metric of {metric_filter.address}")
            for alarm in watching:
                levels = _level(metric_filter, alarm)
                gap = levels if not isinstance(levels, tuple) else _region_gap(metric_filter, alarm) \
                    or _dimension_gap(metric_filter, alarm) or alarm_gap(inventory, alarm, *levels)
                gaps.append(gap)
                if gap is None:
                    break
            if None in gaps:
                break
        if None in gaps:
            continue
        gaps += narrowed
        if not gaps:
            missing.append(f"no metric filter on the trail's log group matches {event}")
            continue
        missing.append(f"nothing raises an alarm on {event}")
        first_unknown = next((g for g in gaps if isinstance(g, Unknown)), None)
        if first_unknown:
            unknown.append(first_unknown)
        else:
            problems.append(gaps[0])
    if not missing:
        yield Pass("account", "root activity and console sign-in without MFA raise alarms")
    elif unknown and not problems:
        yield Error("account", "; ".join(missing) + ": " + unknown[0].why)
    else:
        yield Fail("account", "; ".join(missing) + ("" if not problems else f" ({'; '.join(problems)})"))
