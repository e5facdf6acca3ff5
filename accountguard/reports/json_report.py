"""The JSON report, a public interface: keys may be added, never changed."""
from __future__ import annotations

import json

from ..engine import ControlResult
from ..model import Inventory


def render(inventory: Inventory, results: list[ControlResult]) -> str:
    report = {"source": inventory.source, "results": [f.as_dict() for r in results for f in r.findings]}
    if inventory.notes:
        report["notes"] = inventory.notes
    if "api_calls" in inventory.facts:  # a live account: every call made, for the audit trail
        report["api_calls"] = dict(sorted(inventory.facts["api_calls"].items()))
    return json.dumps(report, indent=2) + "\n"
