"""The JSON report, a public interface: keys may be added, never changed."""
from __future__ import annotations

import json

from ..config import Config
from ..engine import ControlResult
from ..model import Inventory


def render(inventory: Inventory, results: list[ControlResult], config: Config | None = None) -> str:
    report = {"source": inventory.source, "results": [f.as_dict() for r in results for f in r.findings],
              "configuration": (config or Config()).in_force()}
    if inventory.notes:
        report["notes"] = inventory.notes
    if "api_calls" in inventory.facts:  # a live account: every call made, for the audit trail
        report["api_calls"] = dict(sorted(inventory.facts["api_calls"].items()))
    return json.dumps(report, indent=2) + "\n"
