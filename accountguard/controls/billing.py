from datetime import date

from ..alerting import alarm_gap, topic_gap
from ..config import Config
from ..model import SENSITIVE, Error, Fail, Inventory, Pass, Resource, Unknown
from ..regressions import raised
from . import Coverage, control
from .monitoring import SNS_COVERAGE

BILLING_REGION = "us-east-1"
# EstimatedCharges has one Currency, USD (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/billing-metricscollected.html).
BILLING_CURRENCY = "USD"


def _billing_metric(alarm: Resource) -> dict | Unknown | None:
    """The AWS/Billing EstimatedCharges metric the alarm watches, if any. An alarm on
    metric math (metric_query) is Unknown: the expression is not evaluated."""
    if alarm.values.get("namespace") == "AWS/Billing" and alarm.values.get("metric_name") == "EstimatedCharges":
        return alarm.values
    queries = alarm.values.get("metric_query") or []
    if isinstance(queries, Unknown):
        return None
    for query in queries:
        for metric in (query.get("metric") or []) if isinstance(query, dict) else ():
            if isinstance(metric, dict) and metric.get("namespace") == "AWS/Billing" \
                    and metric.get("metric_name") == "EstimatedCharges":
                return Unknown(f"{alarm.address} alarms on metric math (metric_query), which accountguard "
                               "does not evaluate")
    return None


def _alarm_gap(inventory: Inventory, alarm: Resource) -> str | Unknown | None:
    metric = _billing_metric(alarm)
    if isinstance(metric, Unknown):
        return metric
    dimensions = metric.get("dimensions")
    if isinstance(dimensions, Unknown):
        return Unknown(f"the dimensions of {alarm.address} are known only after apply")
    names = set(dimensions) if isinstance(dimensions, dict) else set()
    if "Currency" not in names:
        return f"{alarm.address} watches EstimatedCharges without the Currency dimension"
    if names != {"Currency"}:
        return (f"{alarm.address} watches EstimatedCharges by {', '.join(sorted(names - {'Currency'}))}, "
                "which is part of the bill, not the whole bill")
    currency = dimensions["Currency"]
    if isinstance(currency, Unknown):
        return Unknown(f"the Currency of {alarm.address} is known only after apply")
    if currency != BILLING_CURRENCY:
        return (f"{alarm.address} watches EstimatedCharges in {currency}; it is published in {BILLING_CURRENCY} only, "
                "so the alarm gets no data")
    unit = alarm.values.get("unit")
    if isinstance(unit, Unknown):
        return Unknown(f"unit of {alarm.address} is known only after apply")
    if unit not in (None, "", "None"):
        return f"{alarm.address} asks for unit {unit}; EstimatedCharges has none, so the alarm gets no data"
    if isinstance(alarm.region, Unknown):
        return alarm.region
    if alarm.region != BILLING_REGION:
        return (f"{alarm.address} is in {alarm.region}; billing metrics exist only in {BILLING_REGION} "
                "(give the alarm a provider for us-east-1)")
    return alarm_gap(inventory, alarm)


BUDGET_OPERATORS = {"GREATER_THAN"}  # EQUAL_TO fires only on the exact amount, LESS_THAN while spending is low


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _notification_gap(inventory: Inventory, budget: Resource, notification: dict) -> str | Unknown | None:
    operator, threshold = notification.get("comparison_operator"), notification.get("threshold")
    for attr, value in (("comparison_operator", operator), ("threshold", threshold)):
        if isinstance(value, Unknown):
            return Unknown(f"the notification {attr} of {budget.address} is known only after apply")
        if value is SENSITIVE:
            return Unknown(f"the notification {attr} of {budget.address} is hidden: Terraform marks the whole "
                           "notification sensitive when it holds a sensitive value (such as a subscriber "
                           "address from a sensitive variable)")
    if operator not in BUDGET_OPERATORS:
        return f"{budget.address} notifies when spending is {operator!s}, not when it rises above the threshold"
    if _number(threshold) is None or _number(threshold) < 0:
        return f"{budget.address} has a notification threshold of {threshold!r}"
    emails = notification.get("subscriber_email_addresses")
    topics = notification.get("subscriber_sns_topic_arns")
    if isinstance(emails, Unknown) or (isinstance(emails, list) and any(isinstance(e, Unknown) for e in emails)):
        return Unknown(f"subscriber_email_addresses of {budget.address} are known only after apply")
    if isinstance(emails, list) and any(isinstance(e, str) and e or e is SENSITIVE for e in emails):
        return None
    if topics:
        return _budget_topics_gap(inventory, budget, topics)
    return f"{budget.address} has a notification without a subscriber"


def _budget_topics_gap(inventory: Inventory, budget: Resource, arns: list | Unknown) -> str | Unknown | None:
    """None when one of the topics reaches a person and lets AWS Budgets publish (the
    topic policy must allow budgets.amazonaws.com:
    https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html)."""
    arns = arns if isinstance(arns, list) else [arns]
    topics = [t for arn in arns if isinstance(arn, str) for t in inventory.find("aws_sns_topic", arn)]
    if any(isinstance(arn, Unknown) for arn in arns):
        topics += inventory.referenced(budget, "notification", ["aws_sns_topic"])
    gaps = [topic_gap(inventory, topic, "AWS Budgets") for topic in topics]
    if None in gaps:
        return None
    if len(topics) < len(arns):
        gaps.append(Unknown(f"{budget.address} notifies an SNS topic not in this input, whose policy and "
                            "subscriptions cannot be seen"))
    unknown = next((g for g in gaps if isinstance(g, Unknown)), None)
    return unknown or "; ".join(gaps)


def _day(budget: Resource, attr: str) -> str | Unknown | None:
    """The date (YYYY-MM-DD) a budget's time period starts or ends; None when left to AWS
    (the current period's start, an open end)."""
    if budget.left_unset(attr):
        return None
    day = budget.values[attr]
    if isinstance(day, Unknown):
        return Unknown(f"{attr} of {budget.address} is known only after apply")
    return day[:10] if isinstance(day, str) else None


def _budget_gap(inventory: Inventory, budget: Resource) -> str | Unknown | None:
    kind = budget.get("budget_type")
    if isinstance(kind, Unknown):
        return Unknown(f"budget_type of {budget.address} is known only after apply")
    if kind != "COST":
        return f"{budget.address} is a {kind} budget, not a COST budget"
    filters = None if budget.left_unset("cost_filter") else budget.values.get("cost_filter")
    if isinstance(filters, Unknown):
        return Unknown(f"cost_filter of {budget.address} is known only after apply")
    if filters:
        names = sorted({f.get("name") for f in filters if isinstance(f, dict) and isinstance(f.get("name"), str)})
        return f"{budget.address} counts only costs filtered by {', '.join(names) or 'a cost filter'}, not the whole bill"
    start, end = (_day(budget, attr) for attr in ("time_period_start", "time_period_end"))
    for day in (start, end):
        if isinstance(day, Unknown):
            return day
    today = date.today().isoformat()
    if start and start > today:
        return f"{budget.address} starts on {start}; until then it tracks nothing and notifies nobody"
    if end and end < today:
        return f"{budget.address} ended on {end}; an expired budget notifies nobody"
    limit = budget.values.get("limit_amount")
    if not budget.values.get("auto_adjust_data"):  # else AWS sets the limit from past spend
        if isinstance(limit, Unknown):
            return Unknown(f"limit_amount of {budget.address} is known only after apply")
        if _number(limit) is None or _number(limit) <= 0:
            return f"{budget.address} has no positive limit ({limit!r})"
    notifications = budget.values.get("notification")
    if isinstance(notifications, Unknown):
        return Unknown(f"the notifications of {budget.address} are known only after apply")
    gaps = [_notification_gap(inventory, budget, n) for n in notifications or () if isinstance(n, dict)]
    if None in gaps:
        return None
    unknown = next((g for g in gaps if isinstance(g, Unknown)), None)
    return unknown or ("; ".join(gaps) if gaps else f"{budget.address} has no notification")


@control(
    id="AG_BILL_1", title="A billing alarm or budget alerts a person", severity="high", cis="-", modes="PHL",
    rationale="A hijacked account mining crypto shows first on the bill; an alert makes that hours, not weeks.",
    fix='provider "aws" {\n  alias  = "us_east_1"\n  region = "us-east-1"\n}\n'
        'resource "aws_cloudwatch_metric_alarm" "billing" {\n  provider            = aws.us_east_1\n'
        '  namespace           = "AWS/Billing"\n  metric_name         = "EstimatedCharges"\n'
        '  dimensions          = { Currency = "USD" }\n  statistic           = "Maximum"\n'
        "  period              = 21600\n  evaluation_periods  = 1\n"
        '  comparison_operator = "GreaterThanThreshold"\n  threshold           = 100\n'
        "  alarm_actions       = [aws_sns_topic.billing.arn]  # with an aws_sns_topic_subscription\n}",
    weakenings=(raised("aws_cloudwatch_metric_alarm", "threshold", where=lambda v: v.get("metric_name") == "EstimatedCharges"),
                raised("aws_budgets_budget", "limit_amount")),
    coverage=Coverage(
        defaults={**SNS_COVERAGE["defaults"],
                  "aws_budgets_budget.cost_filter": "none: the budget counts every cost (AWS Budgets)",
                  "aws_budgets_budget.time_period_start": "the start of the current period (AWS Budgets)",
                  "aws_budgets_budget.time_period_end": "2087-06-15, the provider's open end (no expiry)"},
        families=("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm", "aws_budgets_*",
                  "data.aws_budgets_*", "aws_sns_*", "data.aws_sns_*", "aws_ce_anomaly_*"),
        read=("aws_cloudwatch_metric_alarm", "aws_budgets_budget", *SNS_COVERAGE["read"]),
        irrelevant={
            **SNS_COVERAGE["irrelevant"],
            "aws_budgets_budget_action": "acts on a budget (applies an IAM or SCP policy, stops instances); "
                                         "tells nobody by itself, its budget's notifications are read",
            "data.aws_budgets_budget": "reads a budget's spend; notifies nobody",
            "aws_ce_anomaly_monitor": "Cost Anomaly Detection watches for unusual spend, not the bill's "
                                      "level; AG_BILL_1 asks for a billing alarm or budget",
            "aws_ce_anomaly_subscription": "Cost Anomaly Detection alerts; not a billing alarm or budget "
                                           "(docs/controls.md)",
        }),
)
def billing_alert(inventory: Inventory, config: Config):
    misses, unknown = [], []
    def candidates():  # budgets are read only when no alarm will do
        yield from ((a, _alarm_gap) for a in inventory.of_type("aws_cloudwatch_metric_alarm") if _billing_metric(a) is not None)
        yield from ((b, _budget_gap) for b in inventory.of_type("aws_budgets_budget"))

    for resource, gap_of in candidates():
        gap = gap_of(inventory, resource)
        if gap is None:
            yield Pass(resource.address, "alerts a person when charges rise")
            return
        (unknown if isinstance(gap, Unknown) else misses).append(gap)
    if unknown:
        yield Error("account", "cannot tell whether a billing alert reaches anyone: "
                    + "; ".join(u.why for u in unknown))
    elif misses:
        yield Fail("account", "no billing alarm or budget alerts a person: " + "; ".join(misses))
    else:
        yield Fail("account", "there is no billing alarm (AWS/Billing EstimatedCharges) and no COST budget")
