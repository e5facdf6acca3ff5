"""docs/controls.md is the catalogue generated from the control registry, and current."""
from pathlib import Path

from accountguard.catalogue import markdown
from accountguard.controls import all_controls

CATALOGUE = Path(__file__).resolve().parent.parent / "docs" / "controls.md"


def test_the_committed_catalogue_is_generated_from_the_registry():
    assert CATALOGUE.read_text() == markdown(), \
        "docs/controls.md is stale: python -m accountguard.catalogue"


def test_every_control_has_its_section():
    text = CATALOGUE.read_text()
    for control in all_controls():
        assert f"\n## {control.id}\n\n**{control.title}**\n" in text
