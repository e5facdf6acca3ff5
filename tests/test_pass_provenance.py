"""No pass rests on what was not read or was unknown (issue 10): every fixture plan
and every example directory is judged with each attribute read recorded
(model.reading), and every pass is checked against what it read."""

import pytest
from conftest import FIXTURES

from accountguard.config import Config
from accountguard.controls import all_controls
from accountguard.engine import _judge
from accountguard.model import Status
from accountguard.sources.hcl import load_directory
from accountguard.sources.plan import load_plan

EXAMPLES = FIXTURES.parent / "examples"
PLANS = sorted(FIXTURES.glob("*.json")) + sorted((FIXTURES / "changes").glob("*.json"))
DIRECTORIES = sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and p.name not in ("modules", "iam"))


def _problems(inventory) -> list[str]:
    problems = []
    for control in all_controls():
        read_so_far = []
        for finding in _judge(control, inventory, Config(), record=True):
            read_so_far += finding.reads
            if finding.status is not Status.PASS:
                continue
            where = f"{control.id} {finding.subject}"
            own = [r for r in finding.reads if not r.view]
            followed = {(r.address, r.attr) for r in own if r.found == "followed"}
            problems += [f"{where} passes on {r.address}.{r.attr}, which is unknown" for r in own
                         if r.found == "unknown" and (r.address, r.attr) not in followed]
            problems += [f"{where} passes on {r.kind} ({r.address}.{r.attr}), a type {control.id} does not "
                         f"declare it reads" for r in read_so_far if r.kind not in control.coverage.read]
            problems += [f"{where} passes on the default of {r.kind}.{r.attr}, which {control.id} does not "
                         f"declare" for r in finding.reads
                         if r.found == "default" and f"{r.kind}.{r.attr}" not in control.coverage.defaults]
    return sorted(set(problems))


def _judged(inventory) -> list:
    return [inventory] + ([inventory.before] if inventory.before is not None else [])


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_no_plan_pass_rests_on_what_was_not_read(plan):
    assert [p for i in _judged(load_plan(plan)) for p in _problems(i)] == []


@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda p: p.name)
def test_no_directory_pass_rests_on_what_was_not_read(directory):
    assert _problems(load_directory(directory, tree=EXAMPLES)) == []


def test_the_record_sees_an_unknown_a_pass_would_rest_on():
    """The record is not empty by construction: a key whose user and policies are read."""
    inventory = load_plan(FIXTURES / "admin-access-key.json")
    (control,) = [c for c in all_controls() if c.id == "AG_KEY_1"]
    reads = [r for f in _judge(control, inventory, Config(), record=True) for r in f.reads]
    assert {("aws_iam_access_key", "status"), ("aws_iam_access_key", "user")} <= {(r.kind, r.attr) for r in reads}
    assert any(r.view == "access_graph" and r.kind == "aws_iam_user_policy_attachment" for r in reads)
