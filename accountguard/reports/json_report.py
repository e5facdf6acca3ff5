"""The JSON report, a public interface: keys may be added, never changed."""
from __future__ import annotations

import json

from ..engine import ControlResult


def render(source: str, results: list[ControlResult]) -> str:
    return json.dumps({"source": source,
                       "results": [f.as_dict() for r in results for f in r.findings]}, indent=2) + "\n"
