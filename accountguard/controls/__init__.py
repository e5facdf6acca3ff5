"""The control catalogue: each control is a small function over an Inventory,
registered with its metadata beside it (docs/controls.md is generated from them)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..config import Config
from ..model import Inventory, Verdict
from ..regressions import Weakening

Judge = Callable[[Inventory, Config], Iterable[Verdict]]


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str
    cis: str
    modes: str  # P plan, H .tf directory, L live account
    rationale: str  # why it matters, one sentence
    fix: str  # how to fix it in Terraform
    judge: Judge
    weakenings: tuple[Weakening, ...] = ()  # changes that thin it out while it still passes


REGISTRY: dict[str, Control] = {}


def control(**metadata: Any) -> Callable[[Judge], Judge]:
    def register(judge: Judge) -> Judge:
        REGISTRY[metadata["id"]] = Control(judge=judge, **metadata)
        return judge
    return register


def all_controls() -> list[Control]:
    """Every control, in catalogue order."""
    from . import root, password, mfa, keys, cloudtrail, billing, detection, monitoring  # noqa: F401
    return list(REGISTRY.values())
