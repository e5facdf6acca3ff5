"""Runs the controls over an inventory. Fail closed: a control that raises, or
says nothing, is an error, never a pass. A plan that changes an account is
judged before and after the change (regressions.py)."""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, replace

from .config import Config
from .controls import Control, all_controls
from . import regressions, waivers
from .iam import requests_from
from .model import Finding, Inventory, Status, Unreadable, Verdict, reading

MODE_OF_KIND = {"plan": "P", "hcl": "H", "live": "L"}
KIND_NAMES = {"P": "a Terraform plan", "H": "a .tf directory", "L": "a live account"}


def _judge(control: Control, inventory: Inventory, config: Config, record: bool = False) -> list[Finding]:
    """The control's findings; with `record`, each with the attributes its verdict read."""
    account = inventory.facts.get("account_subject", "account")  # account:<id> for a live account

    def finding(status: Status, subject: str, message: str) -> Finding:
        return Finding(control.id, status, account if subject == "account" else subject, message)

    if control.id in config.managed_elsewhere:
        return [finding(Status.NOT_APPLICABLE, "account",
                        f"managed elsewhere: {config.managed_elsewhere[control.id]}")]
    mode = MODE_OF_KIND[inventory.kind]
    if mode not in control.modes:
        where = " or ".join(KIND_NAMES[m] for m in control.modes)
        return [finding(Status.NOT_APPLICABLE, "account",
                        f"cannot be judged from {KIND_NAMES[mode]}; judged on {where}")]
    not_evaluated = [finding(Status.ERROR, r.address, f"{r.kind} can change this verdict and accountguard does not "
                             f"evaluate it: {why}")
                     for type_, why in control.coverage.error.items() for r in _present(inventory, type_)]
    if not_evaluated:
        return not_evaluated
    try:
        with inventory.recording() as looked_for, reading() if record else nullcontext([]) as reads:
            verdicts, rests_on, start = [], [], 0
            for verdict in control.judge(inventory, config):
                verdicts.append(verdict)
                rests_on.append(tuple(reads[start:]))
                start = len(reads)
    except Unreadable as exc:
        return [finding(Status.ERROR, "account", f"cannot be judged: {exc}")]
    except Exception as exc:  # a bug must not turn into a pass
        return [finding(Status.ERROR, "account", f"internal error while judging: {type(exc).__name__}: {exc}")]
    if not verdicts:
        return [finding(Status.ERROR, "account", "the control reached no verdict")]
    return [replace(_unseen_absence(v, control, inventory, account, looked_for) if v.subject == "account" else
                    Finding(control.id, v.status, v.subject, v.message, inventory.location_of(v.subject)),
                    reads=read)
            for v, read in zip(verdicts, rests_on)]


def _present(inventory: Inventory, type_: str) -> list:
    try:
        return inventory.of_type(type_)
    except Unreadable:
        return []  # the control itself reads what it needs and says what could not be read


def _unseen_absence(verdict: Verdict, control: Control, inventory: Inventory, account: str,
                    looked_for: set[str]) -> Finding:
    """"There is no trail" (or "there are no keys") is not a fact when part of the
    input that cannot be seen could hold a trail (or a key): a part that could hold
    one of the resource types the control looked up while judging."""
    found = Finding(control.id, verdict.status, account, verdict.message)
    hiding = [part for part in inventory.unseen if part.could_hide(looked_for)]
    if not hiding or not (verdict.status is Status.FAIL or verdict.vacuous):
        return found
    return Finding(found.control, Status.ERROR, found.subject,
                   f"{found.message}, as far as can be seen: {hiding[0].why}"
                   + (f" (and {len(hiding) - 1} more)" if len(hiding) > 1 else "")
                   + "; judge a plan to include it")


@dataclass
class ControlResult:
    """All findings of one control, and its overall status."""

    control: Control
    findings: list[Finding]

    @property
    def waived(self) -> bool:
        """Failing only where a waiver accepts it."""
        failing = [f for f in self.findings if f.status in (Status.FAIL, Status.WARN, Status.ERROR)]
        return bool(failing) and all(f.waiver is not None for f in failing)

    @property
    def status(self) -> Status:
        statuses = {f.status for f in self.findings}
        for status in (Status.ERROR, Status.FAIL, Status.WARN, Status.PASS):
            if status in statuses:
                return status
        return Status.NOT_APPLICABLE


def evaluate(inventory: Inventory, config: Config | None = None,
             controls: list[Control] | None = None) -> list[ControlResult]:
    config = config or Config()
    results = []
    with requests_from(inventory.facts["observed_at"]):  # no request is made before the account is seen
        for control in controls or all_controls():
            findings = _judge(control, inventory, config)
            if inventory.before is not None:
                try:
                    findings = regressions.compare(control, findings, inventory, config, _judge)
                except Exception as exc:  # not knowing what the change did must not pass
                    findings = findings + [Finding(control.id, Status.ERROR, "account",
                                                   f"internal error while comparing with the state before the "
                                                   f"change: {type(exc).__name__}: {exc}")]
            results.append(ControlResult(control, findings))
    if config.waivers:
        results, stale = waivers.apply(results, config.waivers, waivers.today())
        inventory.notes.extend(note for note in stale if note not in inventory.notes)
    return results


def blocking(finding: Finding, config: Config) -> bool:
    """Whether this finding fails the run. Errors always do: what cannot be
    seen cannot be shown not to have been made worse."""
    if finding.status is Status.ERROR:
        return True
    if finding.waiver is not None:
        return False
    if finding.status is Status.FAIL:
        return config.fail_on == "failures" or not finding.preexisting
    return finding.status is Status.WARN and config.fail_on_warnings


def failed(results: list[ControlResult], config: Config | None = None) -> bool:
    config = config or Config()
    return any(blocking(f, config) for r in results for f in r.findings)
