"""Whatever a plan file holds, accountguard judges it or rejects it with one line:
it never raises, so it can never be mistaken for a pass by a CI step."""
import copy
import json

from conftest import FIXTURES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accountguard.engine import evaluate
from accountguard.model import InputError
from accountguard.sources.plan import plan_inventory

BASE = json.loads((FIXTURES / "baseline.json").read_text())
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


PATHS = [p for p in paths(BASE) if p]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(st.tuples(st.sampled_from(PATHS), st.booleans(), REPLACEMENTS), min_size=1, max_size=4))
def test_a_damaged_plan_is_judged_or_rejected_never_crashes(mutations):
    plan = copy.deepcopy(BASE)
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
