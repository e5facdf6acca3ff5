"""User configuration: thresholds, controls managed elsewhere, and what fails a run.

Read from `accountguard.toml`, or `[tool.accountguard]` in `pyproject.toml`, in
the working directory, or from the file given with --config. Anything that is
not understood is a usage error: a typo must not silently weaken a control.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import waivers
from .waivers import Waiver


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Thresholds:
    password_min_length: int = 14
    password_reuse_prevention: int = 24
    root_unused_days: int = 30
    key_max_age_days: int = 90
    key_max_unused_days: int = 45


FAIL_ON = ("failures", "regressions")


@dataclass(frozen=True)
class Config:
    thresholds: Thresholds = field(default_factory=Thresholds)
    managed_elsewhere: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    fail_on: str = "failures"  # "regressions": failures that were there before the change do not fail
    fail_on_warnings: bool = False  # weakening that still passes fails too
    waivers: tuple[Waiver, ...] = ()


SETTINGS = ("thresholds", "managed_elsewhere", "fail_on", "fail_on_warnings", "waivers")


def _parse(table: dict[str, Any], origin: str, control_ids: set[str]) -> Config:
    unknown = set(table) - set(SETTINGS)
    if unknown:
        raise ConfigError(f"{origin}: unknown setting {sorted(unknown)[0]!r} "
                          f"(expected one of: {', '.join(SETTINGS)})")
    fail_on = table.get("fail_on", "failures")
    if fail_on not in FAIL_ON:
        raise ConfigError(f"{origin}: fail_on must be \"failures\" or \"regressions\"")
    fail_on_warnings = table.get("fail_on_warnings", False)
    if not isinstance(fail_on_warnings, bool):
        raise ConfigError(f"{origin}: fail_on_warnings must be true or false")
    thresholds = Thresholds()
    raw = table.get("thresholds", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: 'thresholds' must be a table")
    known = {f.name for f in fields(Thresholds)}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{origin}: unknown threshold {key!r} (known: {', '.join(sorted(known))})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{origin}: threshold {key!r} must be a whole number >= 0")
        thresholds = replace(thresholds, **{key: value})
    elsewhere = table.get("managed_elsewhere", {})
    if not isinstance(elsewhere, dict):
        raise ConfigError(f"{origin}: 'managed_elsewhere' must be a table of control ID = \"reason\"")
    for control_id, reason in elsewhere.items():
        if control_id not in control_ids:
            raise ConfigError(f"{origin}: managed_elsewhere names unknown control {control_id!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{origin}: managed_elsewhere.{control_id} needs a reason (a non-empty string)")
    try:
        waived = waivers.parse(table.get("waivers", []), origin, control_ids)
    except waivers.WaiverError as exc:
        raise ConfigError(str(exc)) from None
    return Config(thresholds, dict(elsewhere), origin, fail_on, fail_on_warnings, waived)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_config(path: str | Path | None, control_ids: set[str], cwd: Path | None = None) -> Config:
    """The configuration from `path`, else from the working directory, else defaults."""
    if path is not None:
        path = Path(path)
        data = _read_toml(path)
        if path.name == "pyproject.toml":
            data = data.get("tool", {}).get("accountguard", {})
        return _parse(data, str(path), control_ids)
    cwd = cwd or Path.cwd()
    own = cwd / "accountguard.toml"
    if own.is_file():
        return _parse(_read_toml(own), str(own), control_ids)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("accountguard")
        if table is not None:
            return _parse(table, f"{pyproject} [tool.accountguard]", control_ids)
    return Config()
