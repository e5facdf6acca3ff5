"""The JSON report, a public interface: keys may be added, never changed."""
from __future__ import annotations

import json
from collections import Counter

from .. import __version__
from ..config import Config
from ..engine import ControlResult
from ..model import Inventory


def _result(result: ControlResult, finding) -> dict:
    control = result.control
    return {**finding.as_dict(), "title": control.title, "severity": control.severity,
            "compliance": control.compliance}


def render(inventory: Inventory, results: list[ControlResult], config: Config | None = None) -> str:
    controls = Counter("waived" if r.waived else r.status.value for r in results)
    findings = Counter(f.status.value for r in results for f in r.findings)
    report = {"source": inventory.source, "results": [_result(r, f) for r in results for f in r.findings],
              "configuration": (config or Config()).in_force(), "accountguard_version": __version__,
              "summary": {"controls": dict(sorted(controls.items())), "findings": dict(sorted(findings.items()))}}
    if inventory.notes:
        report["notes"] = inventory.notes
    if "api_calls" in inventory.facts:  # a live account: every call made, for the audit trail
        report["api_calls"] = dict(sorted(inventory.facts["api_calls"].items()))
    return json.dumps(report, indent=2) + "\n"
