"""Plans of the examples, made by real Terraform without an AWS account.

`python tests/fixturegen.py` (or `make fixtures`) writes fixtures/<example>.json;
the test suite calls `generate` into a temporary directory and compares.
Terraform needs the hashicorp/aws provider: from a filesystem mirror when one is
found (ACCOUNTGUARD_TF_PLUGIN_DIR, or the usual places), else from the registry.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "fixtures"
MIRROR_CANDIDATES = ("/opt/tf-plugins", "~/.terraform.d/plugins", "/usr/local/share/terraform/plugins",
                     "/usr/share/terraform/plugins")
VOLATILE_KEYS = ("timestamp", "terraform_version")  # ignored when comparing; the timestamp is not written


def examples() -> dict[str, list[str]]:
    """Example name -> the controls its plan must fail."""
    with (EXAMPLES / "expected.toml").open("rb") as handle:
        return tomllib.load(handle)


def plugin_dir() -> str | None:
    configured = os.environ.get("ACCOUNTGUARD_TF_PLUGIN_DIR")
    if configured:
        return configured
    for candidate in MIRROR_CANDIDATES:
        path = Path(candidate).expanduser()
        if (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return str(path)
    return None


def _environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(TF_CLI_CONFIG_FILE=str(ROOT / ".terraformrc"), TF_DATA_DIR=data_dir, TF_IN_AUTOMATION="1",
               TF_INPUT="0", CHECKPOINT_DISABLE="1",
               AWS_ACCESS_KEY_ID="mock-access-key", AWS_SECRET_ACCESS_KEY="mock-secret-key",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def normalized(plan: dict) -> dict:
    """The plan without what changes from run to run or machine to machine."""
    plan = {k: v for k, v in plan.items() if k not in VOLATILE_KEYS}
    if "relevant_attributes" in plan:
        plan["relevant_attributes"] = sorted(plan["relevant_attributes"], key=json.dumps)
    return plan


def plan_example(name: str, out_dir: Path) -> Path:
    source = EXAMPLES / name
    with tempfile.TemporaryDirectory(prefix=f"accountguard-{name}-") as data_dir:
        env = _environment(data_dir)
        mirror = plugin_dir()
        init = ["terraform", "init", "-backend=false"]
        if mirror:
            init.append(f"-plugin-dir={mirror}")
        plan_file = Path(data_dir) / "plan.tfplan"
        for command in (init, ["terraform", "plan", "-refresh=false", f"-out={plan_file}"]):
            done = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{name}: {' '.join(command[:2])} failed:\n{done.stderr or done.stdout}")
        shown = subprocess.run(["terraform", "show", "-json", str(plan_file)], cwd=source, env=env,
                               capture_output=True, text=True, check=True)
    plan = json.loads(shown.stdout)
    target = out_dir / f"{name}.json"
    plan.pop("timestamp", None)  # changes on every run; everything else is as Terraform wrote it
    target.write_text(json.dumps(plan, indent=1) + "\n")
    return target


def generate(out_dir: Path = FIXTURES) -> list[Path]:
    if shutil.which("terraform") is None:
        raise RuntimeError("terraform is not on PATH; install Terraform >= 1.5 to make the fixtures")
    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda name: plan_example(name, out_dir), examples()))


if __name__ == "__main__":
    try:
        for path in generate():
            print(path.relative_to(ROOT))
    except RuntimeError as exc:
        sys.exit(f"fixturegen: {exc}")
