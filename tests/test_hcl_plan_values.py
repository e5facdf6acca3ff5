"""Whole directories against Terraform: for every example, each value the .tf
mode computes for a resource equals the value in the plan Terraform made of the
same directory (fixtures/<example>.json), wherever the plan knows it."""
from __future__ import annotations

import json

import pytest

from accountguard.model import SENSITIVE, Unknown
from accountguard.sources.hcl import load_directory
from accountguard.sources.plan import load_plan
from conftest import EXPECTED, FIXTURES

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
