"""The pre-commit hook: judge, in `.tf` mode, every root module a commit touches.

pre-commit passes the changed configuration and variable files, in Terraform's
native or JSON syntax (CONFIGURATION, VARIABLES). A root module is a directory
of such configuration files that no other directory in the repository calls as a
local module and that configures a provider (Terraform's advice: shared modules
leave that to their callers); a change in a module counts for every root that
calls it, however deep. A module no root calls is not judged: it is no account.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from .config import ConfigError, load_config
from .controls import all_controls
from .engine import evaluate, failed
from .model import InputError
from .reports.text import render
from .sources.hcl import load_directory, module_outline

SKIPPED_DIRECTORIES = (".terraform", ".git")
CONFIGURATION = (".tf", ".tf.json")
# Terraform reads terraform.tfvars(.json), *.auto.tfvars(.json) and any -var-file, in either syntax:
# https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files
VARIABLES = (".tfvars", ".tfvars.json")


def _module_directories(top: Path) -> list[Path]:
    found = {path.parent for suffix in CONFIGURATION for path in top.rglob(f"*{suffix}")
             if not any(part in SKIPPED_DIRECTORIES for part in path.relative_to(top).parts)}
    return sorted(found)


def affected_roots(changed: list[str], top: Path) -> list[Path]:
    """The root modules under `top` that `changed` files belong to or call."""
    directories = _module_directories(top)
    callers: dict[Path, set[Path]] = defaultdict(set)
    configures_provider: set[Path] = set()
    for directory in directories:
        called, provider = module_outline(directory, top)
        for target in called:
            callers[target.resolve()].add(directory.resolve())
        if provider:
            configures_provider.add(directory.resolve())
    roots = {d for d in configures_provider if not callers.get(d)}
    affected: set[Path] = set()
    pending = [Path(name).resolve().parent for name in changed]
    seen: set[Path] = set()
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        if directory in roots:
            affected.add(directory)
        pending.extend(callers.get(directory, ()))
    return sorted(affected)


def main(argv: list[str] | None = None) -> int:
    changed = [name for name in (sys.argv[1:] if argv is None else argv) if name.endswith((*CONFIGURATION, *VARIABLES))]
    top = Path.cwd()
    try:
        controls = all_controls()
        config = load_config(None, {c.id for c in controls})
        roots = affected_roots(changed, top)
        inventories = [load_directory(root.relative_to(top), tree=top) for root in roots]
    except (InputError, ConfigError) as exc:
        print(f"accountguard: {exc}", file=sys.stderr)
        return 2
    if not inventories:
        print("accountguard: no root module is affected by these files")
        return 0
    code = 0
    for inventory in inventories:
        results = evaluate(inventory, config, controls)
        sys.stdout.write(render(inventory, results) + "\n")
        code = max(code, 1 if failed(results, config) else 0)
    return code


if __name__ == "__main__":
    sys.exit(main())
