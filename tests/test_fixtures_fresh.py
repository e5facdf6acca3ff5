"""fixtures/ is what Terraform makes of examples/ today (`make fixtures`).

Every fixture is held to fixtures/SHA256SUMS, written when `make fixtures` made it: the digest of
its example and modules (a changed example is a stale fixture) and of the file (a fixture edited
by hand is no plan). With the toolchain of the sums, Terraform plans an eighth of the examples
again (those whose inputs' digest starts with 0 or 1: which ones moves as the examples change)
and each must be the committed plan: Terraform makes the same plan of the same inputs, so this
proves the rest, for a seventh of the CPU time of planning all. With another Terraform or
provider version, every example is planned again."""
import json

import pytest
from conftest import EXPECTED, FIXTURES

import fixturegen

MADE_WITH, SUMS = fixturegen.SUMS.read()


def replanned(inputs_digest: str) -> bool:
    return inputs_digest[0] in "01" or MADE_WITH != fixturegen.toolchain()


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(EXPECTED))  # one plan per test: pytest-xdist spreads them
def test_committed_fixture_is_what_terraform_makes_of_its_example(name, tmp_path, request):
    """Planned with the worker's shared provider process; a plan that differs is made again with
    providers of its own, as `make fixtures` makes it: sharing changes a plan that depends on the
    provider configuration (a `data "aws_region"`, say)."""
    fixture = FIXTURES / f"{name}.json"
    inputs = fixturegen.inputs_digest(name)
    if MADE_WITH == fixturegen.toolchain():
        assert name in SUMS, f"{name} has no line in fixtures/SHA256SUMS: run `make fixtures`"
        assert SUMS[name][0] == inputs, f"stale fixture, examples/{name} changed since: run `make fixtures`"
        assert SUMS[name][1] == fixturegen.file_digest(fixture), f"{fixture.name} is not the plan `make fixtures` wrote"
    if not replanned(inputs):
        return
    committed = fixturegen.normalized(json.loads(fixture.read_text()))
    shared_provider = request.getfixturevalue("shared_provider")

    def fresh(provider):
        return fixturegen.normalized(json.loads(fixturegen.plan_example(name, tmp_path, provider).read_text()))
    planned = fresh(shared_provider)
    if planned != committed and shared_provider:
        planned = fresh(None)
    assert planned == committed, f"stale fixture, run `make fixtures`: {name}"


def test_a_fair_share_of_the_examples_is_planned_again():
    """The sample is large enough to catch what changes every plan (the toolchain, fixturegen)."""
    assert sum(replanned(inputs) for inputs, _ in SUMS.values()) >= len(EXPECTED) // 16


def test_every_example_has_a_fixture_and_an_expectation():
    examples = {p.name for p in FIXTURES.parent.joinpath("examples").iterdir()
                if p.is_dir() and p.name not in ("modules", "iam")}  # iam/: the live scanner's policy
    assert examples == set(EXPECTED)
    assert {p.stem for p in FIXTURES.glob("*.json")} == set(EXPECTED)
    assert set(SUMS) == set(EXPECTED)
