"""Whether an alarm or a budget reaches a person, and whether an alarm can fire at
all. Shared by the billing and CIS alarm controls; the decisions are in the
README ("Alarms, trails and detectors").

A gap is None when the thing works; otherwise a string saying why not, or an
`Unknown` when that depends on something this input does not show.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from .access import KEY_TYPES, key_gap, lets_service, topic_policy
from .iam import ABSENT
from .model import Inventory, Resource, Unknown

# SNS protocols whose deliveries a person reads: mail, text messages, mobile push,
# and HTTPS endpoints (paging services such as PagerDuty or Opsgenie, chat bridges).
TO_A_PERSON = {"email", "email-json", "sms", "https", "application"}
# Code or a queue: whether anyone is told depends on what reads it, which no plan shows.
TO_A_MACHINE = {"lambda", "sqs", "firehose"}
# `http`: cleartext and unauthenticated, anyone on the path can read or drop it.

# Operators under which an alarm fires when its metric rises above the threshold.
RISING = {"GreaterThanThreshold", "GreaterThanOrEqualToThreshold"}
ANOMALY_BAND = {"GreaterThanUpperThreshold", "LessThanLowerOrGreaterThanUpperThreshold"}
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def _region_of_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" else None


def _subscription_gap(subscription: Resource) -> str | Unknown | None:
    """None when this subscription delivers alarm notifications to a person."""
    protocol = subscription.values.get("protocol")
    if isinstance(protocol, Unknown):
        return Unknown(f"protocol of {subscription.address} is known only after apply")
    if protocol in TO_A_MACHINE:
        return Unknown(f"{subscription.address} delivers to {protocol}; whether that tells a person "
                       "cannot be seen")
    if protocol not in TO_A_PERSON:
        return f"{subscription.address} delivers over {protocol!s}, which reaches no person reliably"
    policy = subscription.values.get("filter_policy")
    if isinstance(policy, Unknown):
        return Unknown(f"filter_policy of {subscription.address} is known only after apply")
    if policy not in (None, "", "{}"):
        scope = "MessageAttributes" if subscription.left_unset("filter_policy_scope") else \
            subscription.values["filter_policy_scope"]  # SNS's default scope
        if scope == "MessageAttributes":
            return (f"{subscription.address} has a filter policy on message attributes; alarm and budget "
                    "notifications carry none, so SNS delivers none of them")
        return Unknown(f"{subscription.address} has a filter policy on the message body, "
                       "which accountguard does not evaluate")
    return None


class Subscriptions:
    """Confirmed subscriptions by topic address or ARN."""

    def __init__(self, inventory: Inventory) -> None:
        self.by_topic: dict[str, list[Resource]] = defaultdict(list)
        self.unknown: list[Unknown] = []
        for subscription in inventory.of_type("aws_sns_topic_subscription"):
            if subscription.values.get("pending_confirmation") is True:
                continue  # nobody confirmed it: nothing is delivered
            link = inventory.link(subscription, "topic_arn", "aws_sns_topic")
            for topic in link.resources:
                self.by_topic[topic.address].append(subscription)
                if isinstance(topic.values.get("arn"), str):
                    self.by_topic[topic.values["arn"]].append(subscription)
            for arn in link.outside:
                self.by_topic[arn].append(subscription)
            if link.unknown:
                self.unknown.append(link.unknown)


# The service principal each publisher acts as, and what its requests carry beyond the
# owner's account: AWS Budgets carries no AWS:SourceOwner, so SNS's default topic policy
# keeps it out (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html).
PUBLISHERS = {"CloudWatch": ("cloudwatch.amazonaws.com", {}),
              "AWS Budgets": ("budgets.amazonaws.com", {"AWS:SourceOwner": ABSENT})}
# What a publisher needs of the key of an encrypted topic
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, KMS section).
ENCRYPTED_PUBLISH = ("kms:Decrypt", "kms:GenerateDataKey")


def _policy_gap(inventory: Inventory, topic: Resource, publisher: str) -> str | Unknown | None:
    """None when the topic policy, and the key policy of an encrypted topic, let the
    publisher in, by IAM's evaluation of those resource policies."""
    service, context = PUBLISHERS[publisher]
    policy, owner = topic_policy(inventory, topic)
    refused = lets_service(policy, owner, service, ("sns:Publish",), **context)
    if isinstance(refused, str):
        return f"the topic policy of {topic.address} does not let {publisher} publish: {refused}"
    if refused is not None:
        return refused
    if not topic.written("kms_master_key_id"):
        return None
    link = inventory.link(topic, "kms_master_key_id", *KEY_TYPES)
    gaps = [key_gap(inventory, key, service, ENCRYPTED_PUBLISH, **context) for key in link.resources]
    if None in gaps:
        return None
    gaps += [Unknown(f"{topic.address} is encrypted with {arn}, which is not in this input, so whether its key "
                     f"policy lets {publisher} use it cannot be seen") for arn in link.outside]
    if link.unknown is not None:
        gaps.append(link.unknown)
    unknown = next((g for g in gaps if isinstance(g, Unknown)), None)
    if unknown is not None:
        return unknown
    return f"{topic.address} is encrypted with a key {publisher} cannot use: {gaps[0]}" if gaps else \
        Unknown(f"the key of {topic.address} cannot be found")


def topic_gap(inventory: Inventory, topic: Resource | str, publisher: str) -> str | Unknown | None:
    """None when a message published to the topic reaches a person. `topic` is a
    resource of this input or the ARN of one outside it."""
    subscriptions: Subscriptions = inventory.derive("sns_subscriptions", Subscriptions)
    if isinstance(topic, str):
        found = subscriptions.by_topic.get(topic, [])
        name, gaps = topic, []
    else:
        name = topic.address
        if topic.mode == "managed":
            if topic.values.get("fifo_topic") is True:
                return f"{name} is a FIFO topic; {publisher} publishes only to standard topics"
            key = topic.values.get("kms_master_key_id")
            if key == AWS_MANAGED_SNS_KEY:
                return (f"{name} is encrypted with the AWS managed key {AWS_MANAGED_SNS_KEY}, whose policy "
                        f"{publisher} cannot use, so nothing is published")
        found = list(subscriptions.by_topic.get(topic.address, []))
        gaps = [] if topic.mode == "managed" else [Unknown(
            f"{name} is looked up (a data source), so its other subscriptions cannot be seen")]
    gaps = [_subscription_gap(s) for s in found] + gaps
    if None in gaps:
        if isinstance(topic, Resource) and topic.mode == "managed":
            return _policy_gap(inventory, topic, publisher)
        return None
    unknown = [g for g in gaps if isinstance(g, Unknown)]
    if unknown:
        return unknown[0]
    if gaps:
        return "; ".join(gaps)
    if isinstance(topic, str):
        if subscriptions.unknown:
            return subscriptions.unknown[0]
        return Unknown(f"SNS topic {topic} is not in this input, so its subscriptions cannot be seen")
    if subscriptions.unknown:
        return subscriptions.unknown[0]
    return f"{name} has no subscription, so nobody is told"


def _number(value: Any) -> float | Unknown | None:
    if isinstance(value, Unknown):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _low_sample_floor(statistic: Any) -> float | None:
    """The datapoints a period needs before a percentile alarm that ignores low sample
    counts evaluates it: 10/(1-p) from p50 up, 10/p below; p0 and p100 are outside the rule
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html)."""
    match = re.fullmatch(r"p(\d+(?:\.\d+)?)", statistic) if isinstance(statistic, str) else None
    p = float(match[1]) / 100 if match else 0
    return 10 / min(p, 1 - p) if 0 < p < 1 else None


def trigger_gap(alarm: Resource, level: float | None = None, idle: float | None = None) -> str | Unknown | None:
    """None when the alarm goes to ALARM once its metric rises. `level`: the value
    one datapoint reaches when the event watched for happens (a metric filter's
    value); None for a metric that keeps growing (estimated charges). `idle`: the
    statistic in a period whose log events do not match (a filter's default value);
    None when such a period has no data."""
    operator = alarm.values.get("comparison_operator")
    threshold = _number(alarm.values.get("threshold"))
    for attr, value in (("comparison_operator", operator), ("threshold", threshold)):
        if isinstance(value, Unknown):
            return Unknown(f"{attr} of {alarm.address} is known only after apply")
    if operator in ANOMALY_BAND:
        return Unknown(f"{alarm.address} alarms on an anomaly detection band, which accountguard does not evaluate")
    if operator not in RISING:
        return f"{alarm.address} alarms when the metric is {_operator_words(operator)}, not when it rises"
    if threshold is None:
        return Unknown(f"{alarm.address} has no static threshold")
    floor = _low_sample_floor(alarm.values.get("extended_statistic"))
    if floor is not None:
        low = "evaluate" if alarm.left_unset("evaluate_low_sample_count_percentiles") else \
            alarm.values["evaluate_low_sample_count_percentiles"]  # CloudWatch's default
        if isinstance(low, Unknown):
            return Unknown(f"evaluate_low_sample_count_percentiles of {alarm.address} is known only after apply")
        if low == "ignore":
            return (f"{alarm.address} uses {alarm.values['extended_statistic']} and ignores low sample counts, so its "
                    f"state changes only in a period of {floor:g} datapoints or more, and "
                    + ("EstimatedCharges has a few a day" if level is None else "one event is one datapoint"))
    if level is None:  # published every few hours: missing data (treat_missing_data) is the exception
        if alarm.values.get("statistic") == "SampleCount":
            return f"{alarm.address} counts datapoints (SampleCount), not the charges"
        if threshold < 0 or (threshold == 0 and operator == "GreaterThanOrEqualToThreshold"):
            return f"{alarm.address} is in ALARM from the start (threshold {threshold:g}), so it never notifies again"
        return None
    missing = alarm.get("treat_missing_data", "missing")
    if isinstance(missing, Unknown):
        return Unknown(f"treat_missing_data of {alarm.address} is known only after apply")
    if missing == "breaching":  # an event metric has no data until the event
        return (f"{alarm.address} treats missing data as breaching, so it sits in ALARM and does not "
                "notify again when the event happens")
    if missing == "ignore" and idle is None:  # data only with the event: ALARM is kept after it
        return (f"{alarm.address} ignores missing data, so after the first event it keeps its ALARM state "
                "and does not notify again")

    def fires(value: float) -> bool:
        return value > threshold if operator == "GreaterThanThreshold" else value >= threshold
    if idle is not None and fires(idle):
        return (f"{alarm.address} reaches {idle:g} from the default value of the log events that do not match, "
                f"{_operator_words(operator)} its threshold {threshold:g}, so it sits in ALARM and does not "
                "notify when the event happens")
    if not fires(level):
        return (f"{alarm.address} needs the metric {_operator_words(operator)} {threshold:g}, "
                f"and one event adds only {level:g}")
    needed = _number(alarm.values.get("datapoints_to_alarm") or alarm.values.get("evaluation_periods") or 1)
    if isinstance(needed, Unknown):
        return Unknown(f"the datapoints {alarm.address} needs to alarm are known only after apply")
    if needed is not None and needed != 1:
        return f"{alarm.address} needs {needed:g} breaching periods to alarm, and one event breaches only one"
    return None


def _operator_words(operator: Any) -> str:
    return {"GreaterThanThreshold": "above", "GreaterThanOrEqualToThreshold": "at or above",
            "LessThanThreshold": "below", "LessThanOrEqualToThreshold": "at or below",
            "LessThanLowerThreshold": "below an anomaly band"}.get(operator, f"compared with {operator!s}")


def notification_gap(inventory: Inventory, alarm: Resource) -> str | Unknown | None:
    """None when the alarm, on going to ALARM, notifies a person: actions enabled,
    acting on an SNS topic in its own region that reaches someone."""
    enabled = alarm.get("actions_enabled", True)
    if isinstance(enabled, Unknown):
        return Unknown(f"actions_enabled of {alarm.address} is known only after apply")
    if enabled is not True:
        return _composite(inventory, alarm) or f"{alarm.address} has its actions disabled"
    if alarm.values.get("alarm_actions") in (None, []):
        others = [a for a in ("ok_actions", "insufficient_data_actions") if alarm.values.get(a)]
        return _composite(inventory, alarm) or (
            f"{alarm.address} has no alarm actions" + (f" (only {' and '.join(others)})" if others else ""))
    link = inventory.link(alarm, "alarm_actions", "aws_sns_topic")
    gaps: list[Any] = []
    for topic in link.resources:
        if isinstance(alarm.region, Unknown) or isinstance(topic.region, Unknown):
            gaps.append(alarm.region if isinstance(alarm.region, Unknown) else topic.region)
        elif topic.region != alarm.region and topic.region is not None and alarm.region is not None:
            gaps.append(f"{alarm.address} is in {alarm.region} and notifies {topic.address} in {topic.region}; "
                        "CloudWatch alarms notify only topics in their own region")
        else:
            gaps.append(topic_gap(inventory, topic, "CloudWatch"))
    for arn in link.outside:
        if ":sns:" not in arn:
            continue  # an Auto Scaling, EC2 or Systems Manager action tells nobody
        region = _region_of_arn(arn)
        if region and isinstance(alarm.region, str) and region != alarm.region:
            gaps.append(f"{alarm.address} is in {alarm.region} and notifies {arn}; CloudWatch alarms notify "
                        "only topics in their own region")
        else:
            gaps.append(topic_gap(inventory, arn, "CloudWatch"))
    if link.unknown:
        gaps.append(link.unknown)
    if None in gaps:
        return None
    unknown = [g for g in gaps if isinstance(g, Unknown)]
    if unknown:
        return unknown[0]
    return "; ".join(gaps) if gaps else f"{alarm.address} acts on no SNS topic"


def _composite(inventory: Inventory, alarm: Resource) -> Unknown | None:
    """A composite alarm may notify for an alarm that does not itself."""
    name = alarm.values.get("alarm_name")
    for composite in inventory.of_type("aws_cloudwatch_composite_alarm"):
        rule = composite.values.get("alarm_rule")
        if not isinstance(rule, str) or not isinstance(name, str) or name in rule:
            return Unknown(f"{composite.address} may notify when {alarm.address} goes to ALARM; "
                           "accountguard does not evaluate composite alarms")
    return None


def alarm_gap(inventory: Inventory, alarm: Resource, level: float | None = None,
              idle: float | None = None) -> str | Unknown | None:
    """None when the alarm both fires when it should and then tells a person."""
    return trigger_gap(alarm, level, idle) or notification_gap(inventory, alarm)
