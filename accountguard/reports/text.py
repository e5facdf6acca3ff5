"""The text report: what a person reads in a CI log."""
from __future__ import annotations

import textwrap
from collections import Counter

from ..engine import ControlResult
from ..model import Status

LABELS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR", Status.NOT_APPLICABLE: "N/A"}


def explain(result: ControlResult) -> str:
    """A failing or erroring control: every offending subject, why it matters, the fix.
    Shared with the pytest front end so both say the same."""
    control = result.control
    lines = [f"{control.id} {control.title} [{control.severity}"
             + (f", CIS {control.cis}" if control.cis != "-" else "") + "]"]
    for finding in result.findings:
        if finding.status in (Status.FAIL, Status.ERROR):
            where = f" ({finding.location[0]}:{finding.location[1]})" if finding.location else ""
            lines.append(f"  {LABELS[finding.status]} {finding.subject}{where}: {finding.message}")
    lines.append(f"  Why: {control.rationale}")
    lines.append("  Fix:")
    lines.append(textwrap.indent(control.fix, "    "))
    return "\n".join(lines)


def render(source: str, results: list[ControlResult]) -> str:
    out = [f"accountguard: {source}", ""]
    for result in results:
        out.append(f"  {LABELS[result.status]:<5} {result.control.id:<11} {result.control.title}")
    bad = [r for r in results if r.status in (Status.FAIL, Status.ERROR)]
    if bad:
        out += ["", "What to fix:", ""]
        for result in bad:
            out += [explain(result), ""]
    counts = Counter(r.status for r in results)
    out.append(f"{counts[Status.FAIL]} failed, {counts[Status.ERROR]} errors, {counts[Status.PASS]} passed, "
               f"{counts[Status.NOT_APPLICABLE]} not applicable")
    return "\n".join(out).rstrip("\n") + "\n"
