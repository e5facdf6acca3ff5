"""Expressions evaluated by real Terraform (`terraform console`, offline, no
provider) and by accountguard's evaluator, in the same form for comparison.

`terraform console` reading stdin prints only its last result and stops at the
first error, so many expressions go in one line, each wrapped in try(): the
result is a JSON list of each one's jsonencode() text, or ERROR where Terraform
fails. A batch that is unknown as a whole (some function gives an unknown
result offline) is split until the culprit stands alone (UNKNOWN).
"""
from __future__ import annotations

import base64
import json
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fixturegen import _environment

ERROR = "!error"  # not valid JSON, so never the jsonencode() of a value
UNKNOWN = "!unknown"


def _batch(expressions: list[str], workdir: Path, env: dict[str, str]) -> list[str] | None:
    line = "base64encode(jsonencode([" + ",".join(f'try(jsonencode({e}), "{ERROR}")' for e in expressions) + "]))"
    done = subprocess.run(["terraform", "console", "-no-color"], input=line + "\n", capture_output=True,
                          text=True, cwd=workdir, env=env, timeout=120)
    output = done.stdout.strip()
    if done.returncode != 0 or not output.startswith('"'):
        return None
    return json.loads(base64.b64decode(json.loads(output)))


def evaluate(expressions: list[str], configuration: str = "", file_name: str = "main.tf") -> list[str]:
    """Terraform's jsonencode() of each expression, ERROR or UNKNOWN; `configuration`:
    the text of `file_name` (.tf, or .tf.json in JSON syntax), variables and locals
    the expressions may refer to."""
    with tempfile.TemporaryDirectory(prefix="accountguard-console-") as scratch:
        workdir = Path(scratch) / "config"
        workdir.mkdir()
        if configuration:
            (workdir / file_name).write_text(configuration)
        env = _environment(str(Path(scratch) / "data"))

        def run(items: list[str]) -> list[str]:
            found = _batch(items, workdir, env)
            if found is not None:
                return found
            if len(items) == 1:
                return [UNKNOWN]
            half = len(items) // 2
            return run(items[:half]) + run(items[half:])
        return run(list(expressions)) if expressions else []


def variables(cases: list[tuple[str, str]]) -> list[str]:
    """Terraform's value of `variable "v" { type = T, default = D }` for each (T, D),
    as jsonencode() text; ERROR where Terraform rejects the default (which stops
    the whole configuration: so all at once first, then one by one)."""
    def configuration(items: list[tuple[str, str]]) -> str:
        return "".join(f'variable "v{i}" {{\n  type = {t}\n  default = {d}\n}}\n' for i, (t, d) in enumerate(items))

    together = evaluate([f"var.v{i}" for i in range(len(cases))], configuration(cases)) if cases else []
    if together and UNKNOWN not in together:
        return together
    with ThreadPoolExecutor(max_workers=4) as pool:
        alone = list(pool.map(lambda case: evaluate(["var.v0"], configuration([case]))[0], cases))
    return [ERROR if found == UNKNOWN else found for found in alone]
