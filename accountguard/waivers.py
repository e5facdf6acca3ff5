"""Waivers: known exceptions, each with a reason and a date it expires.

A waived failure (or weakening) is reported, marked waived, and does not fail
the run. An expired waiver no longer waives, and the failure says so. A waiver
never hides an `error`: what could not be judged cannot be known to be the
exception someone accepted. A waiver that matches nothing is stale, and the
report says so, so exceptions do not outlive what they were for.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from .model import Finding, Status

if TYPE_CHECKING:
    from .engine import ControlResult

KEYS = ("control", "subject", "reason", "expires", "owner")
WAIVABLE = (Status.FAIL, Status.WARN)


class WaiverError(ValueError):
    """A waiver that cannot be used: a usage error, never silently ignored."""


@dataclass(frozen=True)
class Waiver:
    control: str
    subject: str  # a glob over resource addresses or ARNs
    reason: str
    expires: datetime.date
    owner: str | None = None

    def matches(self, finding: Finding) -> bool:
        return finding.control == self.control and fnmatchcase(finding.subject, self.subject)

    def expired(self, today: datetime.date) -> bool:
        return today > self.expires

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"control": self.control, "subject": self.subject, "reason": self.reason,
                                 "expires": self.expires.isoformat()}
        if self.owner:
            shown["owner"] = self.owner
        return shown

    def describe(self) -> str:
        owner = f", owner {self.owner}" if self.owner else ""
        return f"{self.reason} (until {self.expires.isoformat()}{owner})"


def parse(raw: Any, origin: str, control_ids: set[str]) -> tuple[Waiver, ...]:
    """`[[waivers]]` tables as written in the configuration."""
    if not isinstance(raw, list) or not all(isinstance(w, dict) for w in raw):
        raise WaiverError(f"{origin}: 'waivers' must be an array of tables ([[waivers]])")
    waivers = []
    for number, table in enumerate(raw, 1):
        where = f"{origin}: waiver {number}"
        unknown = sorted(set(table) - set(KEYS))
        if unknown:
            raise WaiverError(f"{where}: unknown key {unknown[0]!r} (expected: {', '.join(KEYS)})")
        control = table.get("control")
        if control not in control_ids:
            raise WaiverError(f"{where}: 'control' must name a control (got {str(control)[:40]!r})")
        for key in ("subject", "reason"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise WaiverError(f"{where}: '{key}' is required (a non-empty string)")
        expires = table.get("expires")
        if isinstance(expires, datetime.datetime) or not isinstance(expires, datetime.date):
            raise WaiverError(f"{where}: 'expires' is required, as a date: expires = 2027-03-31")
        owner = table.get("owner")
        if owner is not None and (not isinstance(owner, str) or not owner.strip()):
            raise WaiverError(f"{where}: 'owner' must be a non-empty string")
        waivers.append(Waiver(control, table["subject"], table["reason"], expires, owner))
    return tuple(waivers)


def today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def apply(results: list[ControlResult], waivers: tuple[Waiver, ...],
          on: datetime.date) -> tuple[list[ControlResult], list[str]]:
    """The results with waivers applied, and a note for each waiver that matched nothing."""
    from .engine import ControlResult

    used: set[Waiver] = set()

    def waive(finding: Finding) -> Finding:
        waiver = next((w for w in waivers if w.matches(finding)), None)
        if waiver is None or finding.status is Status.PASS or finding.status is Status.NOT_APPLICABLE:
            return finding
        used.add(waiver)
        if finding.status is Status.ERROR:
            return replace(finding, message=f"{finding.message} (a waiver cannot hide an error: "
                                            f"{waiver.describe()})")
        if waiver.expired(on):
            return replace(finding, message=f"{finding.message} (waiver expired on "
                                            f"{waiver.expires.isoformat()}: {waiver.reason})")
        return replace(finding, waiver=waiver)

    waived = [ControlResult(r.control, [waive(f) for f in r.findings]) for r in results]
    judged = {r.control.id for r in results}
    stale = [f"stale waiver: {w.control} {w.subject!r} matches no finding ({w.describe()}); remove it"
             for w in waivers if w not in used and w.control in judged]
    return waived, stale
