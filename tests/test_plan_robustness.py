"""Whatever a plan file holds, accountguard judges it or rejects it with one line:
it never raises, so it can never be mistaken for a pass by a CI step."""
import copy
import json

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accountguard.engine import evaluate
from accountguard.model import InputError
from accountguard.sources.plan import plan_inventory

# A new account's plan, and a change to an applied one (judged before and after).
BASES = {name: json.loads((FIXTURES / f"{name}.json").read_text())
         for name in ("baseline", "changes/billing-threshold-raised")}
REPLACEMENTS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                         st.just([]), st.just({}), st.just([None]), st.just({"x": None}))


def paths(value, prefix=()):
    """Every place in the plan a mutation can hit."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def mutate(plan, mutations) -> None:
    """Each (path, delete, replacement): the value at path deleted or replaced, where the path still leads."""
    for path, delete, replacement in mutations:
        parent = plan
        try:
            for step in path[:-1]:
                parent = parent[step]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = replacement
        except (KeyError, IndexError, TypeError):
            continue


PATHS = {name: [p for p in paths(base) if p] for name, base in BASES.items()}


@pytest.mark.parametrize("base", sorted(BASES))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_plan_is_judged_or_rejected_never_crashes(base, data):
    mutations = data.draw(st.lists(st.tuples(st.sampled_from(PATHS[base]), st.booleans(), REPLACEMENTS),
                                   min_size=1, max_size=4))
    plan = copy.deepcopy(BASES[base])
    mutate(plan, mutations)
    try:
        inventory = plan_inventory(plan, "mutated.json")
    except InputError as exc:
        assert "\n" not in str(exc)
        event("rejected with one line")
        return
    event("judged")
    for result in evaluate(inventory):
        assert result.findings
        for finding in result.findings:
            assert isinstance(finding.message, str)
            assert "internal error" not in finding.message, finding.message
