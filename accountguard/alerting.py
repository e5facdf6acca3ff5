"""Whether a CloudWatch alarm reaches a person: actions enabled, acting on an
SNS topic that has a subscription. Shared by the billing and CIS alarm controls."""
from __future__ import annotations

from collections import defaultdict

from .model import Inventory, Resource, Unknown


class Subscriptions:
    def __init__(self, inventory: Inventory) -> None:
        self.by_topic: dict[str, list[Resource]] = defaultdict(list)
        self.unknown: list[Unknown] = []
        for subscription in inventory.of_type("aws_sns_topic_subscription"):
            if subscription.values.get("pending_confirmation") is True:
                continue  # nobody confirmed it: nothing is delivered
            link = inventory.link(subscription, "topic_arn", "aws_sns_topic")
            for topic in link.resources:
                self.by_topic[topic.address].append(subscription)
            for arn in link.outside:
                self.by_topic[arn].append(subscription)
            if link.unknown:
                self.unknown.append(link.unknown)


def alarm_gap(inventory: Inventory, alarm: Resource) -> str | Unknown | None:
    """None when the alarm notifies someone; otherwise why not (Unknown if that
    cannot be seen)."""
    enabled = alarm.get("actions_enabled", True)
    if isinstance(enabled, Unknown):
        return Unknown(f"actions_enabled of {alarm.address} is known only after apply")
    if enabled is not True:
        return f"{alarm.address} has its actions disabled"
    if not alarm.get("alarm_actions"):
        return f"{alarm.address} has no alarm actions"
    subscriptions: Subscriptions = inventory.derive("sns_subscriptions", Subscriptions)
    link = inventory.link(alarm, "alarm_actions", "aws_sns_topic")
    for topic in link.resources:
        if subscriptions.by_topic.get(topic.address):
            return None
    for arn in link.outside:
        if subscriptions.by_topic.get(arn):
            return None
    if link.unknown:
        return link.unknown
    outside_topics = [arn for arn in link.outside if arn.startswith("arn:aws") and ":sns:" in arn]
    if outside_topics:
        return Unknown(f"{alarm.address} notifies SNS topic {outside_topics[0]}, which is not in this "
                       "input, so its subscriptions cannot be seen")
    if subscriptions.unknown and link.resources:
        return subscriptions.unknown[0]
    if link.resources:
        topics = ", ".join(t.address for t in link.resources)
        return f"{alarm.address} notifies {topics}, which has no subscription, so nobody is told"
    return f"{alarm.address} acts on no SNS topic"
