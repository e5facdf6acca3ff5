"""The text report: what a person reads in a CI log."""
from __future__ import annotations

import re
import textwrap
from collections import Counter

from ..config import Config
from ..engine import ControlResult
from ..model import Finding, Inventory, Status
from .escape import printable

LABELS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR", Status.NOT_APPLICABLE: "N/A",
          Status.WARN: "WARN"}
WEAKENED = "weakened by this change"
ALREADY = "already failing before this change"


def _history(findings: list[Finding]) -> str:
    """What the change did to a control's failures, for its line in the table."""
    failing = [f for f in findings if f.status is Status.FAIL]
    if any(f.regression for f in failing):
        return f"  ({WEAKENED})"
    if failing and all(f.preexisting for f in failing):
        return f"  ({ALREADY})"
    return ""


_SUBJECT = re.compile(r'(?:^|\.)(aws_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[[^\]]*\])?$')


def fix_for(result: ControlResult) -> str:
    """The control's Terraform fix, naming the user's own failing resource
    (`aws_iam_access_key.ci`, not the catalogue's `aws_iam_access_key.this`)."""
    fix = result.control.fix
    named: dict[str, str] = {}
    for finding in result.findings:
        match = _SUBJECT.search(finding.subject) if finding.status in (Status.FAIL, Status.ERROR) else None
        if match:
            named.setdefault(match.group(1), match.group(2))
    for type_, name in named.items():
        fix = re.sub(rf'(resource "{type_}" ")[^"]+(")', rf"\g<1>{name}\g<2>", fix)
    return fix


def explain(result: ControlResult) -> str:
    """A failing or erroring control: every offending subject, why it matters, the fix.
    Shared with the pytest front end so both say the same."""
    control = result.control
    lines = [f"{control.id} {control.title} [{control.severity}"
             + (f", CIS {control.cis}" if control.cis != "-" else "") + "]"]
    for finding in result.findings:
        if finding.status in (Status.FAIL, Status.ERROR):
            where = f" ({printable(finding.location[0])}:{finding.location[1]})" if finding.location else ""
            label = "WAIVED" if finding.waiver is not None else LABELS[finding.status]
            lines.append(f"  {label} {printable(finding.subject)}{where}: {printable(finding.message)}")
            if finding.waiver is not None:
                lines.append(f"    waiver: {printable(finding.waiver.describe())}")
            if finding.regression:
                lines.append(f"    {WEAKENED}: " + "; ".join(printable(change) for change in finding.changes))
            elif finding.preexisting:
                lines.append(f"    {ALREADY}")
    lines.append(f"  Why: {control.rationale}")
    lines.append("  Fix:")
    lines.append(textwrap.indent(fix_for(result), "    "))
    return "\n".join(lines)


def configuration(config: Config) -> list[str]:
    """What the run was judged with, when it is not the catalogue: weaker thresholds
    and controls managed elsewhere must never read as a clean pass."""
    lines = []
    for name, change in config.thresholds.changed().items():
        how = "WEAKER than" if change["weaker"] else "stricter than"
        lines.append(f"Threshold: {name} = {change['value']} ({how} the catalogue's {change['catalogue']}, "
                     f"{change['control']})")
    for control_id, reason in config.managed_elsewhere.items():
        lines.append(f"Managed elsewhere, not judged here: {control_id}: {printable(reason)}")
    return lines + ([""] if lines else [])


def render(inventory: Inventory, results: list[ControlResult], config: Config | None = None) -> str:
    config = config or Config()
    weaker = {change["control"] for change in config.thresholds.changed().values() if change["weaker"]}
    out = [f"accountguard: {printable(inventory.source)}", ""]
    out += configuration(config)
    out += [f"Note: {printable(note)}" for note in inventory.notes] + ([""] if inventory.notes else [])
    for result in results:
        marks = _history(result.findings)
        if result.control.id in config.managed_elsewhere:
            marks += "  (managed elsewhere)"
        elif result.control.id in weaker:
            marks += "  (with a threshold weaker than the catalogue's)"
        label = "WAIVED" if result.waived else LABELS[result.status]
        out.append(f"  {label:<6} {result.control.id:<11} {result.control.title}{marks}")
    bad = [r for r in results if r.status in (Status.FAIL, Status.ERROR) and not r.waived]
    if bad:
        out += ["", "What to fix:", ""]
        for result in bad:
            out += [explain(result), ""]
    warnings = [f for r in results for f in r.findings if f.status is Status.WARN]
    if warnings:
        out += ["", "Weakened by this change, still passing:", ""]
        out += [f"  WARN {f.control} {printable(f.message.removeprefix('weaker, still passing: '))}"
                for f in warnings]
        out.append("")
    waived = [f for r in results for f in r.findings if f.waiver is not None]
    if waived:
        out += ["", "Waived (not failing the run):", ""]
        out += [f"  WAIVED {f.control} {printable(f.subject)}: {printable(f.message)}\n"
                f"    waiver: {printable(f.waiver.describe())}" for f in waived]
        out.append("")
    counts = Counter("waived" if r.waived else r.status for r in results)
    summary = (f"{counts[Status.FAIL]} failed, {counts[Status.ERROR]} errors, {counts[Status.PASS]} passed, "
               f"{counts[Status.NOT_APPLICABLE]} not applicable")
    if counts["waived"]:
        summary += f", {counts['waived']} waived"
    elsewhere = sum(r.control.id in config.managed_elsewhere for r in results)
    if elsewhere:
        summary += f" ({elsewhere} managed elsewhere)"
    if counts[Status.WARN]:
        summary += f", {counts[Status.WARN]} weakened but passing"
    histories = Counter(_history(r.findings).strip(" ()") for r in results)
    if histories[WEAKENED] or histories[ALREADY]:
        summary += f" ({histories[WEAKENED]} {WEAKENED}, {histories[ALREADY]} {ALREADY})"
    if weaker:
        summary += f"; judged with {len(config.thresholds.weaker())} threshold(s) weaker than the catalogue's"
    out.append(summary)
    if "api_calls" in inventory.facts:
        out.append(f"{sum(inventory.facts['api_calls'].values())} read-only API calls")
    return "\n".join(out).rstrip("\n") + "\n"
