"""The control catalogue as documents, generated from the registry so they cannot
drift from the code: `python -m accountguard.catalogue` writes docs/coverage.md."""
from __future__ import annotations

import sys
from pathlib import Path

from .controls import Control, all_controls


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def coverage_markdown(controls: list[Control]) -> str:
    """For each control, every resource type and data source of the AWS provider that
    can change its verdict, and what accountguard does with it."""
    lines = ["# What each control reads",
             "",
             "Generated from the control registry (`python -m accountguard.catalogue`); do not edit.",
             "For each control: the provider's resource types and data sources (`data.TYPE`) in",
             "its families, and what accountguard does with each. **read**: their values decide the",
             "verdict. **error**: they can change the verdict but are not evaluated, so where one is",
             "present the control is an error, never a pass. **irrelevant**: they cannot change it.",
             "A test checks that every type of the families in the provider's schema is listed.",
             ""]
    for control in controls:
        coverage = control.coverage
        lines += [f"## {control.id}: {control.title}", ""]
        if coverage.families:
            lines += ["Families: " + ", ".join(f"`{f}`" for f in coverage.families), ""]
        rows = ([(t, "read", "") for t in coverage.read]
                + [(t, "error", why) for t, why in coverage.error.items()]
                + [(t, "irrelevant", why) for t, why in coverage.irrelevant.items()])
        if not rows:
            lines += ["Reads no Terraform resource (judged on a live account only).", ""]
            continue
        lines += ["| type | accountguard | why |", "|---|---|---|"]
        lines += [f"| `{t}` | {what} | {_cell(why)} |" for t, what, why in sorted(rows)]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/coverage.md")
    target.write_text(coverage_markdown(all_controls()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
