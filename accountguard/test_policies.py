"""The policy tests: one per control, run for every --plan (or --tf-dir), and
one per control judged on a live account with -m live."""
import pytest

from accountguard.controls import all_controls
from accountguard.pytest_plugin import assert_control


@pytest.mark.parametrize("control", all_controls(), ids=lambda c: c.id)
def test_control(control, inventory, accountguard_config):
    assert_control(control, inventory, accountguard_config)


@pytest.mark.live
@pytest.mark.parametrize("control", [c for c in all_controls() if "L" in c.modes], ids=lambda c: c.id)
def test_live_control(control, live_inventory, accountguard_config):
    assert_control(control, live_inventory, accountguard_config)
