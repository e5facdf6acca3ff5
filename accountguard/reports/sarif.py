"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers: one rule per
control, one result per failing, erroring or weakened finding, located at the
resource's `.tf` file and line where the source knows it."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..controls import Control
from ..config import Config
from ..engine import ControlResult
from ..model import Finding, Inventory, Status

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub's scale: over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, below that low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVELS = {Status.FAIL: "error", Status.ERROR: "error", Status.WARN: "warning"}


def _rule(control: Control) -> dict:
    fix = control.fix
    return {
        "id": control.id,
        "name": "".join(word.capitalize() for word in control.id.split("_")),
        "shortDescription": {"text": control.title},
        "fullDescription": {"text": control.rationale},
        "help": {"text": f"{control.rationale}\n\nFix:\n{fix}",
                 "markdown": f"{control.rationale}\n\n**Fix**\n\n```hcl\n{fix}\n```"},
        "defaultConfiguration": {"level": "error"},
        "properties": {"security-severity": SECURITY_SEVERITY.get(control.severity, "5.5"),
                       "tags": ["security", "aws"] + ([f"CIS {control.cis}"] if control.cis != "-" else [])},
    }


def _uri(path: str) -> str:
    """Relative to the working directory (the repository root in CI), as code scanning expects."""
    absolute = Path(os.path.abspath(path))  # a symlinked file is shown where the repository has it
    try:
        return absolute.relative_to(Path(os.path.abspath(Path.cwd()))).as_posix()
    except ValueError:
        return absolute.as_uri()


def _location(finding: Finding, inventory: Inventory) -> dict:
    """The resource's block; for a finding about the whole account (or a plan
    without its configuration), the input's anchor: the root module's provider
    block or first file, else the plan file."""
    where = finding.location or inventory.anchor
    if where is None:
        located = {"physicalLocation": {"artifactLocation": {"uri": _uri(inventory.source), "uriBaseId": "%SRCROOT%"}}
                   } if inventory.kind in ("plan", "hcl") else {}
        return {**located, "logicalLocations": [{"fullyQualifiedName": finding.subject, "kind": "resource"}]}
    physical = {"artifactLocation": {"uri": _uri(where[0]), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(1, where[1])}}
    return {"physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": finding.subject, "kind": "resource"}]}


def _result(finding: Finding, index: int, inventory: Inventory) -> dict:
    message = finding.message
    if finding.status is Status.ERROR:
        message = f"could not be judged: {message}"
    if finding.regression and finding.changes:
        message += " (weakened by this change: " + "; ".join(finding.changes) + ")"
    fingerprint = hashlib.sha256(f"{finding.control}\0{finding.subject}".encode()).hexdigest()
    result = {"ruleId": finding.control, "ruleIndex": index, "level": LEVELS[finding.status],
              "message": {"text": message}, "locations": [_location(finding, inventory)],
              "partialFingerprints": {"accountguardFinding/v1": fingerprint},
              "properties": {"status": finding.status.value, "subject": finding.subject,
                             "regression": finding.regression, "preexisting": finding.preexisting}}
    if finding.waiver is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": finding.waiver.describe()}]
    if finding.preexisting:
        result["baselineState"] = "unchanged"
    elif finding.regression:
        result["baselineState"] = "new"
    return result


def render(inventory: Inventory, results: list[ControlResult], config: Config | None = None) -> str:
    controls = [r.control for r in results]
    index = {c.id: i for i, c in enumerate(controls)}
    found = [_result(f, index[f.control], inventory) for r in results for f in r.findings if f.status in LEVELS]
    run = {"tool": {"driver": {"name": "accountguard", "version": __version__, "semanticVersion": __version__,
                               "rules": [_rule(c) for c in controls]}},
           "automationDetails": {"id": f"accountguard/{inventory.kind}/"},
           "results": found,
           "properties": {"configuration": (config or Config()).in_force()}}
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
