import re
from collections import defaultdict

from ..alerting import alarm_gap
from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Resource, Unknown
from . import control

# CIS 4.3 and 4.2 metric filter patterns, by their essential terms.
EVENTS = {
    "root-user activity": (r'\$\.userIdentity\.type\s*=\s*"?Root"?', r"\$\.userIdentity\.invokedBy\s+NOT\s+EXISTS",
                           r'\$\.eventType\s*!=\s*"?AwsServiceEvent"?'),
    "console sign-in without MFA": (r'\$\.eventName\s*=\s*"?ConsoleLogin"?',
                                    r'\$\.additionalEventData\.MFAUsed\s*!=\s*"?Yes"?'),
}
_LOG_GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$")


def _trail_log_groups(inventory: Inventory) -> tuple[set[str], set[str], list[Unknown]]:
    """Names and addresses of the log groups trails deliver to."""
    names, addresses, unknown = set(), set(), []
    for trail in inventory.of_type("aws_cloudtrail"):
        if trail.values.get("cloud_watch_logs_group_arn") in (None, ""):
            continue
        link = inventory.link(trail, "cloud_watch_logs_group_arn", "aws_cloudwatch_log_group")
        for group in link.resources:
            addresses.add(group.address)
            if isinstance(group.values.get("name"), str):
                names.add(group.values["name"])
        for arn in link.outside:
            match = _LOG_GROUP_ARN.match(arn)
            if match:
                names.add(match.group(1))
        if link.unknown:
            unknown.append(link.unknown)
    return names, addresses, unknown


def _watches_trail(inventory: Inventory, metric_filter: Resource, names: set[str], addresses: set[str]) -> bool:
    name = metric_filter.values.get("log_group_name")
    if isinstance(name, str):
        return name in names
    return any(g.address in addresses for g in
               inventory.link(metric_filter, "log_group_name", "aws_cloudwatch_log_group").resources)


def _metric(metric_filter: Resource) -> tuple:
    transformation = metric_filter.first_block("metric_transformation")
    return tuple(v if isinstance(v, str) else None for v in (transformation.get("namespace"),
                                                              transformation.get("name")))


@control(
    id="AG_MON_1", title="Root activity and console sign-in without MFA raise alarms", severity="medium",
    cis="4.2, 4.3", modes="PHL",
    rationale="Root use and password-only sign-ins are the first signs of a taken-over account; someone must be told.",
    fix='resource "aws_cloudwatch_log_metric_filter" "root_usage" {\n'
        "  log_group_name = aws_cloudwatch_log_group.trail.name\n"
        "  pattern        = \"{ $.userIdentity.type = \\\"Root\\\" && $.userIdentity.invokedBy NOT EXISTS "
        "&& $.eventType != \\\"AwsServiceEvent\\\" }\"\n"
        '  metric_transformation {\n    name      = "RootUsage"\n    namespace = "CISBenchmark"\n    value     = "1"\n  }\n}\n'
        "# ...and an aws_cloudwatch_metric_alarm on CISBenchmark/RootUsage acting on a subscribed SNS topic;\n"
        "# the same for { ($.eventName = \"ConsoleLogin\") && ($.additionalEventData.MFAUsed != \"Yes\") }",
)
def cis_alarms(inventory: Inventory, config: Config):
    names, addresses, unknown = _trail_log_groups(inventory)
    if not names and not addresses:
        if unknown:
            yield Error("account", unknown[0].why)
        else:
            yield Fail("account", "no trail delivers to CloudWatch Logs, so no metric filter can watch it")
        return
    alarms = defaultdict(list)
    for alarm in inventory.of_type("aws_cloudwatch_metric_alarm"):
        metric = alarm.values.get("metric_name")
        if isinstance(metric, Unknown):
            for source in inventory.link(alarm, "metric_name", "aws_cloudwatch_log_metric_filter").resources:
                alarms[_metric(source)].append(alarm)
        elif isinstance(metric, str) and isinstance(alarm.values.get("namespace"), str):
            alarms[(alarm.values["namespace"], metric)].append(alarm)
    missing, problems = [], []
    for event, terms in EVENTS.items():
        filters = [f for f in inventory.of_type("aws_cloudwatch_log_metric_filter")
                   if isinstance(f.values.get("pattern"), str)
                   and all(re.search(t, f.values["pattern"]) for t in terms)
                   and _watches_trail(inventory, f, names, addresses)]
        watching = {a.address: a for metric in {_metric(f) for f in filters} for a in alarms.get(metric, ())}
        gaps = []
        for alarm in watching.values():
            gaps.append(alarm_gap(inventory, alarm))
            if gaps[-1] is None:
                break
        if None in gaps:
            continue
        if not filters:
            missing.append(f"no metric filter for {event} on the trail's log group")
        elif not gaps:
            missing.append(f"no alarm on the {event} metric filter")
        else:
            (unknown if isinstance(gaps[0], Unknown) else problems).append(gaps[0])
            missing.append(f"the {event} alarm notifies nobody")
    if not missing:
        yield Pass("account", "root activity and console sign-in without MFA raise alarms")
    elif unknown and not problems:
        yield Error("account", "; ".join(missing) + ": " + unknown[0].why)
    else:
        yield Fail("account", "; ".join(missing) + ("" if not problems else f" ({problems[0]})"))
