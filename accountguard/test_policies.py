"""The policy tests: one per control, run for every --plan."""
import pytest

from accountguard.controls import all_controls
from accountguard.pytest_plugin import assert_control


@pytest.mark.parametrize("control", all_controls(), ids=lambda c: c.id)
def test_control(control, inventory, accountguard_config):
    assert_control(control, inventory, accountguard_config)
