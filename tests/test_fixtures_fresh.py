"""fixtures/ is what Terraform makes of examples/ today (`make fixtures`)."""
import json

import pytest
from conftest import EXPECTED, FIXTURES

import fixturegen


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(EXPECTED))  # one plan per test: pytest-xdist spreads them
def test_committed_fixture_matches_a_fresh_terraform_plan(name, tmp_path, shared_provider):
    """Planned with the worker's shared provider process; a plan that differs is made again with
    providers of its own, as `make fixtures` makes it: sharing changes a plan that depends on the
    provider configuration (a `data "aws_region"`, say)."""
    committed = fixturegen.normalized(json.loads((FIXTURES / f"{name}.json").read_text()))

    def fresh(provider):
        return fixturegen.normalized(json.loads(fixturegen.plan_example(name, tmp_path, provider).read_text()))
    planned = fresh(shared_provider)
    if planned != committed and shared_provider:
        planned = fresh(None)
    assert planned == committed, f"stale fixture, run `make fixtures`: {name}"


def test_every_example_has_a_fixture_and_an_expectation():
    examples = {p.name for p in FIXTURES.parent.joinpath("examples").iterdir()
                if p.is_dir() and p.name not in ("modules", "iam")}  # iam/: the live scanner's policy
    assert examples == set(EXPECTED)
    assert {p.stem for p in FIXTURES.glob("*.json")} == set(EXPECTED)
