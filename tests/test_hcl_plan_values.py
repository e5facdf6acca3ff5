"""Whole directories against Terraform: for every example and every test
configuration (tests/configs/), each value the .tf mode computes for a resource
equals the value in the plan Terraform made of the same directory (for examples,
fixtures/<example>.json), wherever the plan knows it, and the verdicts are the same."""
from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from accountguard.engine import evaluate
from accountguard.model import SENSITIVE, Unknown
from accountguard.sources.hcl import ModuleConfig, load_directory
from accountguard.sources.hcl.sandbox import Sandbox, judging
from accountguard.sources.plan import load_plan
from conftest import EXPECTED, FIXTURES, run_cli
from fixturegen import plan_directory

EXAMPLES = FIXTURES.parent / "examples"


def _policy(value):
    """A JSON policy as IAM reads it: a one-element list is its element, order does not count."""
    if isinstance(value, dict):
        return {k: _policy(v) for k, v in value.items()}
    if isinstance(value, list):
        items = sorted((_policy(v) for v in value), key=json.dumps)
        return items[0] if len(items) == 1 else items
    return value


def _json(text):
    try:
        return json.loads(text) if isinstance(text, str) and text.lstrip().startswith("{") else None
    except ValueError:
        return None


def differences(ours, theirs, where: str) -> list[str]:
    """Where a known value of ours differs from a known value of the plan's. The
    plan shows every attribute (null where unset); ours only configured ones."""
    if isinstance(ours, Unknown) or isinstance(theirs, Unknown) or SENSITIVE in (ours, theirs):
        return []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return [d for key, value in ours.items() for d in differences(value, theirs.get(key), f"{where}.{key}")]
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        if any(isinstance(a, Unknown) for a in ours) and all(isinstance(a, str) for a in theirs):
            # a set of strings with elements known only after apply: Terraform sorts it by
            # values the .tf mode does not know, so only the known elements can be compared
            missing = [a for a in ours if isinstance(a, str) and a not in theirs]
            return [f"{where}: .tf mode has {missing!r}, plan {theirs!r}"] if missing else []
        return [d for i, (a, b) in enumerate(zip(ours, theirs)) for d in differences(a, b, f"{where}[{i}]")]
    if ours == theirs and type(ours) is type(theirs) or ours == [] and theirs is None:
        return []
    if ours is None:
        return []  # null in the configuration is unset: the provider's default, which only the plan shows
    if _json(ours) is not None and _json(theirs) is not None and _policy(_json(ours)) == _policy(_json(theirs)):
        return []  # the provider normalises policy JSON text (whitespace, order); IAM reads both alike
    return [f"{where}: .tf mode {ours!r}, plan {theirs!r}"]


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_tf_values_equal_the_plans_known_values(example):
    plan = {r.address: r for r in load_plan(FIXTURES / f"{example}.json")}
    found = load_directory(EXAMPLES / example, tree=EXAMPLES)  # the examples share ../modules
    wrong = []
    for resource in found:
        planned = plan.get(resource.address)
        if planned is None:
            continue
        wrong += differences(resource.values, planned.values, resource.address)
    assert not wrong, "\n".join(wrong)


# --- tests/configs: planned by Terraform once per session ------------------------

CONFIGS = FIXTURES.parent / "tests" / "configs"
# Configurations Terraform cannot plan offline, and why: Terraform's own error must say so.
NOT_PLANNED_OFFLINE = {"registry-module": "registry.terraform.io"}  # its module is downloaded at init
OFFLINE_SETTINGS = "skip_credentials_validation = true\nskip_requesting_account_id = true\n" \
                   "skip_metadata_api_check = true\n"


def _offline_copy(name: str, scratch: Path) -> Path:
    """tests/configs/<name> where Terraform can plan it without an AWS account: in `scratch`
    beside its copy of examples/modules (as in the repository), with the fixtures' skip_*
    provider settings in an override file (they change no value a control reads)."""
    workdir = scratch / "tests" / "configs" / name
    shutil.copytree(CONFIGS / name, workdir)
    with judging(Sandbox(FIXTURES.parent)):
        keys = ModuleConfig(CONFIGS / name, name, Sandbox(FIXTURES.parent)).providers
    aliases = [key.partition(".")[2] for key in keys if key.partition(".")[0] == "aws"]
    (workdir / "accountguard_offline_override.tf").write_text("".join(
        'provider "aws" {\n' + (f"alias = {json.dumps(alias)}\n" if alias else "") + OFFLINE_SETTINGS + "}\n"
        for alias in aliases))
    return workdir


@pytest.fixture(scope="session")
def config_plans(tmp_path_factory) -> dict[str, Path | str]:
    """Each test configuration's plan file, or Terraform's error when it cannot plan it;
    one init and plan per configuration, three at a time, with the provider mirror."""
    scratch = tmp_path_factory.mktemp("config-plans")
    shutil.copytree(EXAMPLES / "modules", scratch / "examples" / "modules")

    def plan(name: str) -> tuple[str, Path | str]:
        workdir = _offline_copy(name, scratch)
        try:
            return name, plan_directory(workdir, scratch / "plans" / f"{name}.json")
        except RuntimeError as exc:
            return name, str(exc)
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(plan, sorted(p.name for p in CONFIGS.iterdir() if p.is_dir())))


def _statuses(results) -> dict[str, str]:
    return {result.control.id: result.status for result in results}


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.iterdir() if p.is_dir()))
def test_configs_judged_and_valued_as_their_plans(name, config_plans):
    planned = config_plans[name]
    if isinstance(planned, str):  # Terraform cannot plan it: say why it is so, or accountguard must reject it too
        if name in NOT_PLANNED_OFFLINE:
            assert NOT_PLANNED_OFFLINE[name] in planned
            return
        done = run_cli("hcl", str(CONFIGS / name), "--tree", str(FIXTURES.parent))
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, planned
        return
    assert name not in NOT_PLANNED_OFFLINE, "Terraform plans it offline now: compare it"
    found = load_directory(CONFIGS / name, tree=FIXTURES.parent)
    plan = load_plan(planned, CONFIGS / name, FIXTURES.parent)  # with its directory, as locals are followed
    assert _statuses(evaluate(found)) == _statuses(evaluate(plan))
    by_address = {r.address: r for r in plan}
    wrong = [d for resource in found if resource.address in by_address
             for d in differences(resource.values, by_address[resource.address].values, resource.address)]
    assert not wrong, "\n".join(wrong)
