"""Markdown for pull-request comments and job summaries ($GITHUB_STEP_SUMMARY,
GitLab merge-request notes): what the change weakens first, then every failure
with why and the fix in a collapsible section, then a one-line summary. Every
value from the input is escaped, so a plan cannot inject markup or mentions."""
from __future__ import annotations

import html
import re
from collections import Counter

from ..config import Config
from ..engine import ControlResult
from ..model import Finding, Inventory, Status
from .escape import printable
from .text import configuration, fix_for

_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>@:])")


def escape(text: str) -> str:
    """Input values as plain text in Markdown: control characters shown as
    code points, HTML and Markdown syntax neutralised."""
    return _MARKUP.sub(r"\\\1", html.escape(printable(text), quote=True))


def _finding(finding: Finding) -> str:
    label = "ERROR (could not be judged)" if finding.status is Status.ERROR else finding.status.value.upper()
    where = f" ({escape(finding.location[0])}:{finding.location[1]})" if finding.location else ""
    if finding.waiver is not None:
        label = "WAIVED"
    line = f"- **{label}** {escape(finding.subject)}{where}: {escape(finding.message)}"
    if finding.waiver is not None:
        line += f"\n  - waived: {escape(finding.waiver.describe())}"
    if finding.regression and finding.changes:
        line += "\n  - weakened by: " + "; ".join(escape(c) for c in finding.changes)
    elif finding.preexisting:
        line += "\n  - already failing before this change"
    return line


def _section(result: ControlResult, findings: list[Finding]) -> list[str]:
    control = result.control
    cis = f", CIS {control.cis}" if control.cis != "-" else ""
    return ["<details>", f"<summary><b>{control.id}</b> {html.escape(control.title)} [{control.severity}{cis}]"
            "</summary>", "", *[_finding(f) for f in findings], "", f"Why: {control.rationale}", "",
            "```hcl", fix_for(result), "```", "", "</details>", ""]


def render(inventory: Inventory, results: list[ControlResult], config: Config | None = None) -> str:
    out = [f"### accountguard: {escape(inventory.source)}", ""]
    out += [f"> {escape(line)}" for line in configuration(config or Config()) if line]
    bad = [(r, [f for f in r.findings if f.status in (Status.FAIL, Status.ERROR) and f.waiver is None])
           for r in results]
    bad = [(r, found) for r, found in bad if found]
    weakened = [(r, [f for f in found if f.regression]) for r, found in bad]
    weakened = [(r, found) for r, found in weakened if found]
    if weakened:
        out += ["#### What this change weakens", ""]
        for result, found in weakened:
            out += _section(result, found)
    rest = [(r, [f for f in found if not f.regression]) for r, found in bad]
    rest = [(r, found) for r, found in rest if found]
    if rest:
        out += ["#### Failing" + (" before this change too" if weakened or any(
            f.preexisting for _, found in rest for f in found) else ""), ""]
        for result, found in rest:
            out += _section(result, found)
    warnings = [f for r in results for f in r.findings if f.status is Status.WARN]
    if warnings:
        out += ["#### Weakened, still passing", ""]
        out += [f"- {f.control}: {escape(f.message)}" for f in warnings] + [""]
    waived = [(r, [f for f in r.findings if f.waiver is not None]) for r in results]
    waived = [(r, found) for r, found in waived if found]
    if waived:
        out += ["#### Waived", ""]
        for result, found in waived:
            out += [f"- {result.control.id}: " + "; ".join(
                f"{escape(f.subject)}: {escape(f.waiver.describe())}" for f in found)]
        out.append("")
    for note in inventory.notes:
        out += [f"> {escape(note)}", ""]
    counts = Counter("waived" if r.waived else r.status for r in results)
    out.append(f"**{counts[Status.FAIL]} failed, {counts[Status.ERROR]} errors, {counts[Status.PASS]} passed, "
               f"{counts[Status.NOT_APPLICABLE]} not applicable"
               + (f", {counts['waived']} waived" if counts["waived"] else "") + "**"
               + (f", {len(weakened)} weakened by this change" if weakened else ""))
    return "\n".join(out) + "\n"
