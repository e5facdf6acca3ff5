"""The control catalogue: each control is a small function over an Inventory,
registered with its metadata beside it (docs/controls.md is generated from them)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..config import Config
from ..model import Inventory, Verdict
from ..regressions import Weakening

Judge = Callable[[Inventory, Config], Iterable[Verdict]]


@dataclass(frozen=True)
class Coverage:
    """What a control makes of the AWS provider's resource types and data sources
    (`data.TYPE`), so a reviewer sees what is and is not understood (docs/coverage.md).

    `families`: globs over the provider's schema; every type they match must be in
    `read`, `error` or `irrelevant` (tests/test_coverage.py checks the schema).
    `read`: their values decide the verdict. `error`: they can change the verdict but
    accountguard does not evaluate them, so where one is present the control is an
    error, never a pass. `irrelevant`: related types that cannot change it. `error`
    and `irrelevant` map each type to why. `defaults`: the attributes (`TYPE.attr`) whose
    value, when the configuration leaves them out, the control takes to be AWS's or the
    provider's default, each with that default and where it is documented; a pass may rest
    on no other default (tests/test_pass_provenance.py).
    """

    families: tuple[str, ...] = ()
    read: tuple[str, ...] = ()
    error: dict[str, str] = field(default_factory=dict)
    irrelevant: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    def classifies(self, type_: str) -> bool:
        return type_ in self.read or type_ in self.error or type_ in self.irrelevant


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
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def compliance(self) -> dict[str, list[str]]:
        """The benchmark recommendations this control checks, by benchmark."""
        return {CIS: [part.strip() for part in self.cis.split(",")]} if self.cis != "-" else {}


CIS = "CIS AWS Foundations Benchmark v7.0.0"  # the version `cis` numbers refer to

REGISTRY: dict[str, Control] = {}


def control(**metadata: Any) -> Callable[[Judge], Judge]:
    def register(judge: Judge) -> Judge:
        REGISTRY[metadata["id"]] = Control(judge=judge, **metadata)
        return judge
    return register


MODULES = ("root", "password", "mfa", "keys", "cloudtrail", "monitoring", "billing", "detection", "organizations")


def all_controls() -> list[Control]:
    """Every control, in catalogue order: by MODULES, then as each module defines them
    (whichever module a process happened to import first)."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return sorted(REGISTRY.values(), key=lambda c: MODULES.index(c.judge.__module__.rpartition(".")[2]))
