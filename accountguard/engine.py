"""Runs the controls over an inventory. Fail closed: a control that raises, or
says nothing, is an error, never a pass."""
from __future__ import annotations

from dataclasses import dataclass

from .config import Config
from .controls import Control, all_controls
from .model import Finding, Inventory, Status, Verdict

MODE_OF_KIND = {"plan": "P", "hcl": "H", "live": "L"}
KIND_NAMES = {"P": "a Terraform plan", "H": "a .tf directory", "L": "a live account"}


def _judge(control: Control, inventory: Inventory, config: Config) -> list[Finding]:
    def finding(status: Status, subject: str, message: str) -> Finding:
        return Finding(control.id, status, subject, message)

    if control.id in config.managed_elsewhere:
        return [finding(Status.NOT_APPLICABLE, "account",
                        f"managed elsewhere: {config.managed_elsewhere[control.id]}")]
    mode = MODE_OF_KIND[inventory.kind]
    if mode not in control.modes:
        where = " or ".join(KIND_NAMES[m] for m in control.modes)
        return [finding(Status.NOT_APPLICABLE, "account",
                        f"cannot be judged from {KIND_NAMES[mode]}; judged on {where}")]
    if control.judge is None:
        return [finding(Status.ERROR, "account", "this version of accountguard cannot judge it yet")]
    try:
        verdicts = list(control.judge(inventory, config))
    except Exception as exc:  # a bug must not turn into a pass
        return [finding(Status.ERROR, "account", f"internal error while judging: {type(exc).__name__}: {exc}")]
    if not verdicts:
        return [finding(Status.ERROR, "account", "the control reached no verdict")]
    return [_unseen_absence(v, control, inventory) if v.subject == "account" else
            Finding(control.id, v.status, v.subject, v.message, inventory.location_of(v.subject))
            for v in verdicts]


def _unseen_absence(verdict: Verdict, control: Control, inventory: Inventory) -> Finding:
    """"There is no trail" (or "there are no keys") is not a fact when part of the
    input cannot be seen."""
    found = Finding(control.id, verdict.status, verdict.subject, verdict.message)
    if not inventory.unseen or not (verdict.status is Status.FAIL or verdict.vacuous):
        return found
    return Finding(found.control, Status.ERROR, found.subject,
                   f"{found.message}, as far as can be seen: {inventory.unseen[0]}"
                   + (f" (and {len(inventory.unseen) - 1} more)" if len(inventory.unseen) > 1 else "")
                   + "; judge a plan to include it")


@dataclass
class ControlResult:
    """All findings of one control, and its overall status."""

    control: Control
    findings: list[Finding]

    @property
    def status(self) -> Status:
        statuses = {f.status for f in self.findings}
        for status in (Status.ERROR, Status.FAIL, Status.PASS):
            if status in statuses:
                return status
        return Status.NOT_APPLICABLE


def evaluate(inventory: Inventory, config: Config | None = None,
             controls: list[Control] | None = None) -> list[ControlResult]:
    config = config or Config()
    return [ControlResult(c, _judge(c, inventory, config)) for c in (controls or all_controls())]


def failed(results: list[ControlResult]) -> bool:
    return any(r.status in (Status.FAIL, Status.ERROR) for r in results)
