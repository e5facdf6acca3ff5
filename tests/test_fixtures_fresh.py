"""fixtures/ is what Terraform makes of examples/ today (`make fixtures`)."""
import json

import pytest
from conftest import EXPECTED, FIXTURES

import fixturegen


@pytest.mark.terraform
def test_committed_fixtures_match_a_fresh_terraform_plan(tmp_path):
    fixturegen.generate(tmp_path)
    stale = [name for name in EXPECTED
             if fixturegen.normalized(json.loads((tmp_path / f"{name}.json").read_text()))
             != fixturegen.normalized(json.loads((FIXTURES / f"{name}.json").read_text()))]
    assert not stale, f"stale fixtures, run `make fixtures`: {stale}"


def test_every_example_has_a_fixture_and_an_expectation():
    examples = {p.name for p in FIXTURES.parent.joinpath("examples").iterdir()
                if p.is_dir() and p.name not in ("modules", "iam")}  # iam/: the live scanner's policy
    assert examples == set(EXPECTED)
    assert {p.stem for p in FIXTURES.glob("*.json")} == set(EXPECTED)
