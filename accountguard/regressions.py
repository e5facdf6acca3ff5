"""What a plan makes worse.

A plan with a prior state is judged before and after the change. A failure
whose subject did not fail before, or that the change weakens further, is a
regression, and the changes that cause it are
found by undoing them: a change is named when undoing it alone (or, failing
that, together with a minimal set of others) makes the failure go away. A
control that still passes but was weakened (declared beside each control as a
`Weakening`) gets a warning. Sensitive values are never shown.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Callable

from .config import Config
from .model import SENSITIVE, Change, Finding, Inventory, Resource, Status, Unknown

FAILING = (Status.FAIL, Status.ERROR)
MAX_ATTRIBUTED_CHANGES = 200  # beyond this, undoing changes one by one costs more than it tells
SHOWN_LENGTH = 60


def _show(value: Any) -> str:
    if isinstance(value, Unknown):
        return "(known after apply)"
    if _has_sensitive(value):
        return "(sensitive)"
    shown = json.dumps(value, default=str)
    return shown if len(shown) <= SHOWN_LENGTH else "(changed)"


def _has_sensitive(value: Any) -> bool:
    if value is SENSITIVE:
        return True
    if isinstance(value, dict):
        return any(_has_sensitive(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_sensitive(v) for v in value)
    return False


def changed_attributes(before: Resource, after: Resource) -> list[str]:
    return sorted(attr for attr in before.values.keys() | after.values.keys()
                  if before.values.get(attr) != after.values.get(attr))


def describe(change: Change, before: Resource | None, after: Resource | None,
             attributes: list[str] | None = None) -> str:
    """`aws_cloudtrail.main: enable_logging true -> false`; `aws_iam_user.x: created`."""
    if change.verb in ("created", "destroyed") or before is None or after is None:
        return f"{change.address}: {change.verb}"
    shown = []
    for attr in attributes if attributes is not None else changed_attributes(before, after):
        old, new = _show(before.values.get(attr)), _show(after.values.get(attr))
        shown.append(f"{attr} changed" if "(changed)" in (old, new) or old == new else f"{attr} {old} -> {new}")
    suffix = " (replaced)" if change.verb == "replaced" else ""
    return f"{change.address}: {', '.join(shown) or change.verb}{suffix}"


@dataclass(frozen=True)
class Weakening:
    """A change that thins out a control's protection without making it fail."""

    type: str
    attr: str | None  # None: the resource is destroyed
    direction: str  # "lower", "higher", "off", "destroyed"
    where: Callable[[dict[str, Any]], bool] | None = None

    def describe(self, change: Change, before: Resource | None, after: Resource | None) -> str | None:
        if change.type != self.type or before is None or (self.where and not self.where(before.values)):
            return None
        if self.direction == "destroyed":
            return describe(change, before, None) if change.verb == "destroyed" else None
        if after is None:
            return None
        old, new = _number(before.values.get(self.attr)), _number(after.values.get(self.attr))
        weaker = {"lower": lambda: new < old, "higher": lambda: new > old,
                  "off": lambda: old is True and new is False}[self.direction]
        if old is None or new is None or not weaker():
            return None
        return describe(change, before, after, [self.attr])


def _number(value: Any) -> Any:
    """Numbers, and numbers Terraform keeps as strings (a budget's limit_amount)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def lowered(type_: str, attr: str) -> Weakening:
    return Weakening(type_, attr, "lower")


def raised(type_: str, attr: str, where: Callable[[dict[str, Any]], bool] | None = None) -> Weakening:
    return Weakening(type_, attr, "higher", where)


def turned_off(type_: str, attr: str) -> Weakening:
    return Weakening(type_, attr, "off")


def destroyed(type_: str) -> Weakening:
    return Weakening(type_, None, "destroyed")


Judge = Callable[[Any, Inventory, Config], list[Finding]]


class _Plan:
    """The inventory after the change, and the same with some changes undone."""

    def __init__(self, after: Inventory) -> None:
        self.after = after
        self.before: Inventory = after.before  # type: ignore[assignment]
        self.changes = after.changes

    def old(self, change: Change) -> Resource | None:
        """The resource before the change. Terraform applies `moved` blocks to the
        prior state before it plans, so a moved resource is there at its new address."""
        return self.before.at(change.address)

    def new(self, change: Change) -> Resource | None:
        return self.after.at(change.address)

    def undo(self, changes: list[Change], attributes: dict[str, list[str]] | None = None) -> Inventory:
        """The account as if `changes` were not made; for those in `attributes`,
        only those attributes go back."""
        attributes = attributes or {}
        undone = {c.address: c for c in changes}
        resources = []
        for resource in self.after.resources:
            change = undone.get(resource.address)
            if change is None or resource.mode != "managed":
                resources.append(resource)
            elif change.address in attributes and (old := self.old(change)) is not None:
                values = dict(resource.values)
                values.update({a: old.values.get(a) for a in attributes[change.address]})
                resources.append(replace(resource, values=values))
        resources += [old for c in changes if c.address not in attributes and (old := self.old(c))]
        return Inventory(self.after.source, self.after.kind, resources, self.after.facts, self.after.unseen)


def _still_fails(control: Any, finding: Finding, inventory: Inventory, config: Config, judge: Judge) -> bool:
    return any(f.status in FAILING and f.subject == finding.subject for f in judge(control, inventory, config))


def _causes(control: Any, finding: Finding, plan: _Plan, config: Config, judge: Judge) -> tuple[str, ...]:
    """The changes whose undoing makes `finding` go away, described."""
    changes = plan.changes
    if len(changes) > MAX_ATTRIBUTED_CHANGES:
        return (f"one or more of this plan's {len(changes)} changes (too many to single out)",)

    def fails(undone: list[Change], attributes: dict[str, list[str]] | None = None) -> bool:
        return _still_fails(control, finding, plan.undo(undone, attributes), config, judge)

    causes = [c for c in changes if not fails([c])]
    if not causes:  # no single culprit: shrink the whole set to a minimal one that still helps
        if fails(changes):
            return ("this plan's changes together (undoing them all does not clear it)",)
        causes = list(changes)
        for change in list(causes):
            if not fails([c for c in causes if c is not change]):
                causes.remove(change)
    described = []
    for change in causes:
        old, new = plan.old(change), plan.new(change)
        attributes = changed_attributes(old, new) if old and new else []
        culprits = [a for a in attributes if not fails([change], {change.address: [a]})]
        described.append(describe(change, old, new, culprits or attributes or None))
    return tuple(described)


def _weakenings(control: Any, plan: _Plan) -> list[tuple[Change, str]]:
    """The plan's changes that weaken what `control` declares, described."""
    return [(change, weaker) for change in plan.changes for weakening in getattr(control, "weakenings", ())
            if (weaker := weakening.describe(change, plan.old(change), plan.new(change)))]


def compare(control: Any, findings: list[Finding], after: Inventory, config: Config,
            judge: Judge) -> list[Finding]:
    """`findings` (judged after the change) marked as regressions or preexisting,
    plus warnings for weakening that still passes.

    A failure is preexisting only when its subject failed before: the same
    resource, or the account as a whole. A subject failing that
    did not fail before (a new resource, or "there is no trail" where a trail
    existed) is a regression, and so is a failing subject the plan weakens further."""
    plan = _Plan(after)
    failed_before = {f.subject for f in judge(control, plan.before, config) if f.status is Status.FAIL}
    weakenings = _weakenings(control, plan)
    marked = []
    for finding in findings:
        if finding.status is Status.FAIL:
            weaker = tuple(described for change, described in weakenings if change.address == finding.subject)
            if finding.subject not in failed_before:
                finding = replace(finding, regression=True, changes=_causes(control, finding, plan, config, judge))
            elif weaker:
                finding = replace(finding, regression=True, changes=weaker)
            else:
                finding = replace(finding, preexisting=True)
        marked.append(finding)
    if not any(f.status in FAILING for f in marked):
        marked += [Finding(control.id, Status.WARN, change.address, f"weaker, still passing: {weaker}",
                           changes=(weaker,)) for change, weaker in weakenings]
    return marked
