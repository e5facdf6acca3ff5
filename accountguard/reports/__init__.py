"""Report formats: each turns the same results into one kind of output."""
from __future__ import annotations

from typing import Callable

from ..config import Config
from ..engine import ControlResult
from ..model import Inventory
from . import json_report, junit, markdown, sarif, text

# Human-readable formats escape every value from the input with escape.printable.
FORMATS: dict[str, Callable[[Inventory, list[ControlResult], Config | None], str]] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
    "junit": junit.render,
}
