from ..alerting import alarm_gap
from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Resource, Unknown
from ..regressions import raised
from . import control

BILLING_REGION = "us-east-1"


def _billing_metrics(alarm: Resource) -> list[dict]:
    metrics = [alarm.values] + [m for q in alarm.get("metric_query", []) if isinstance(q, dict)
                                for m in q.get("metric") or [] if isinstance(m, dict)]
    return [m for m in metrics if m.get("namespace") == "AWS/Billing"
            and m.get("metric_name") == "EstimatedCharges"]


def _currency(metric: dict) -> bool | Unknown:
    dimensions = metric.get("dimensions")
    if isinstance(dimensions, Unknown):
        return dimensions
    return isinstance(dimensions, dict) and "Currency" in dimensions


def _alarm_gap(inventory: Inventory, alarm: Resource) -> str | Unknown | None:
    metrics = _billing_metrics(alarm)
    currency = [_currency(m) for m in metrics]
    if True not in currency:
        unknown = next((c for c in currency if isinstance(c, Unknown)), None)
        return unknown or f"{alarm.address} watches EstimatedCharges without the Currency dimension"
    if isinstance(alarm.region, Unknown):
        return alarm.region
    if alarm.region != BILLING_REGION:
        return (f"{alarm.address} is in {alarm.region}; billing metrics exist only in {BILLING_REGION} "
                "(give the alarm a provider for us-east-1)")
    return alarm_gap(inventory, alarm)


def _budget_gap(budget: Resource) -> str | Unknown | None:
    kind = budget.get("budget_type")
    if isinstance(kind, Unknown):
        return Unknown(f"budget_type of {budget.address} is known only after apply")
    if kind != "COST":
        return f"{budget.address} is a {kind} budget, not a COST budget"
    for notification in budget.get("notification", []):
        for attr in ("subscriber_email_addresses", "subscriber_sns_topic_arns"):
            if notification.get(attr):
                return None
    return f"{budget.address} has no notification with a subscriber"


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
)
def billing_alert(inventory: Inventory, config: Config):
    misses, unknown = [], []
    def candidates():  # budgets are read only when no alarm will do
        yield from ((a, _alarm_gap) for a in inventory.of_type("aws_cloudwatch_metric_alarm") if _billing_metrics(a))
        yield from ((b, lambda inv, b: _budget_gap(b)) for b in inventory.of_type("aws_budgets_budget"))

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
