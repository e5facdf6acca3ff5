"""User configuration: thresholds, controls managed elsewhere, and what fails a run.

Read from `accountguard.toml`, or `[tool.accountguard]` in `pyproject.toml`, in
the working directory, or from the file given with --config. Anything that is
not understood is a usage error: a typo must not silently weaken a control.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import waivers
from .limits import CONFIG_MAX_BYTES, MiB
from .waivers import Waiver


class ConfigError(ValueError):
    pass


def _threshold(catalogue: int, stronger: str, control: str, most: int | None = None) -> Any:
    """A threshold: the catalogue's value, which way is stronger ("higher" or "lower"),
    the control it tunes, and the most AWS lets an account set (a higher one can never pass)."""
    return field(default=catalogue, metadata={"stronger": stronger, "control": control, "most": most})


@dataclass(frozen=True)
class Thresholds:
    """The defaults are the catalogue's values. A weaker one is refused unless the
    configuration names it in `allow_weaker_thresholds`."""

    password_min_length: int = _threshold(14, "higher", "AG_PWD_1", most=128)  # CIS 2.8
    password_reuse_prevention: int = _threshold(24, "higher", "AG_PWD_1", most=24)  # CIS 2.9
    root_unused_days: int = _threshold(30, "higher", "AG_ROOT_4")
    key_max_age_days: int = _threshold(90, "lower", "AG_KEY_2")  # CIS 2.12
    key_max_unused_days: int = _threshold(45, "lower", "AG_KEY_2")  # CIS 2.11

    def changed(self) -> dict[str, dict[str, Any]]:
        """Every threshold that differs from the catalogue: value, catalogue value,
        whether it is weaker, and the control it tunes."""
        changes = {}
        for spec in fields(self):
            value, catalogue = getattr(self, spec.name), spec.default
            if value != catalogue:
                weaker = value < catalogue if spec.metadata["stronger"] == "higher" else value > catalogue
                changes[spec.name] = {"value": value, "catalogue": catalogue, "weaker": weaker,
                                      "control": spec.metadata["control"]}
        return changes

    def weaker(self) -> set[str]:
        return {name for name, change in self.changed().items() if change["weaker"]}


FAIL_ON = ("failures", "regressions")


@dataclass(frozen=True)
class Config:
    thresholds: Thresholds = field(default_factory=Thresholds)
    managed_elsewhere: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    fail_on: str = "failures"  # "regressions": failures that were there before the change do not fail
    fail_on_warnings: bool = False  # weakening that still passes fails too
    waivers: tuple[Waiver, ...] = ()

    def in_force(self) -> dict[str, Any]:
        """What this run was judged with, for every report: a threshold weaker than the
        catalogue or a control managed elsewhere must never read as a clean pass."""
        return {"file": self.path, "fail_on": self.fail_on, "fail_on_warnings": self.fail_on_warnings,
                "thresholds": {f.name: getattr(self.thresholds, f.name) for f in fields(Thresholds)},
                "thresholds_changed": self.thresholds.changed(), "managed_elsewhere": dict(self.managed_elsewhere),
                "waivers": [w.as_dict() for w in self.waivers]}


SETTINGS = ("thresholds", "allow_weaker_thresholds", "managed_elsewhere", "fail_on", "fail_on_warnings", "waivers")


def _parse(table: Any, origin: str, control_ids: set[str]) -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: the accountguard configuration must be a table, not {_kind(table)}")
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
    thresholds = _thresholds(table, origin)
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


def _thresholds(table: dict[str, Any], origin: str) -> Thresholds:
    raw = table.get("thresholds", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: 'thresholds' must be a table")
    specs = {f.name: f for f in fields(Thresholds)}
    allowed = table.get("allow_weaker_thresholds", [])
    if not isinstance(allowed, list) or not all(isinstance(name, str) for name in allowed):
        raise ConfigError(f"{origin}: allow_weaker_thresholds must be a list of threshold names")
    for name in allowed:
        if name not in specs:
            raise ConfigError(f"{origin}: allow_weaker_thresholds names unknown threshold {name!r}")
    for key, value in raw.items():
        if key not in specs:
            raise ConfigError(f"{origin}: unknown threshold {key!r} (known: {', '.join(sorted(specs))})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{origin}: threshold {key!r} must be a whole number >= 0")
        most = specs[key].metadata["most"]
        if most is not None and value > most:
            raise ConfigError(f"{origin}: threshold {key!r} = {value} can never be met "
                              f"(AWS allows at most {most})")
    thresholds = Thresholds(**raw)
    for name, change in thresholds.changed().items():
        if change["weaker"] and name not in allowed:
            raise ConfigError(f"{origin}: threshold {name!r} = {change['value']} is weaker than the catalogue's "
                              f"{change['catalogue']} ({change['control']}); to accept that, add {name!r} "
                              f"to allow_weaker_thresholds")
    return thresholds


def _kind(value: Any) -> str:
    return {str: "a string", int: "a number", float: "a number", bool: "true or false",
            list: "an array"}.get(type(value), type(value).__name__)


def _tool_table(data: dict[str, Any], path: Path) -> Any:
    """`[tool.accountguard]` of a pyproject.toml; None when there is none."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table, not {_kind(tool)}")
    return tool.get("accountguard")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(CONFIG_MAX_BYTES + 1)
        if len(raw) > CONFIG_MAX_BYTES:
            raise ConfigError(f"{path}: larger than {CONFIG_MAX_BYTES // MiB} MiB, not a configuration file")
        return tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_config(path: str | Path | None, control_ids: set[str], cwd: Path | None = None) -> Config:
    """The configuration from `path`, else from the working directory, else defaults."""
    if path is not None:
        path = Path(path)
        data = _read_toml(path)
        if path.name == "pyproject.toml":
            table = _tool_table(data, path)
            return _parse({} if table is None else table, f"{path} [tool.accountguard]", control_ids)
        return _parse(data, str(path), control_ids)
    cwd = cwd or Path.cwd()
    own = cwd / "accountguard.toml"
    if own.is_file():
        return _parse(_read_toml(own), str(own), control_ids)
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        table = _tool_table(_read_toml(pyproject), pyproject)
        if table is not None:
            return _parse(table, f"{pyproject} [tool.accountguard]", control_ids)
    return Config()
