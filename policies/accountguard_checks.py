"""accountguard's controls as checkov checks, one per control with mode P or H.

Thin adapters: the metadata comes from accountguard's control library, loaded
into checkov's environment by path (it needs nothing but the standard library);
the verdicts come from `accountguard plan|hcl --format json`, run once per plan
file or root module that checkov scans, in accountguard's own environment
(ACCOUNTGUARD_COMMAND, default `accountguard` on PATH). So the rules live in one
place and checkov's pinned packages never meet ours. Anything that goes wrong is
FAILED with the reason, never PASSED.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shlex
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

HERE = Path(__file__).resolve().parent
LOG = logging.getLogger("accountguard")


def _load_accountguard():
    """Import the accountguard package alone (not the environment it is installed in)."""
    if "accountguard" in sys.modules:
        return sys.modules["accountguard"]
    for package in (HERE.parent, HERE.parent / "accountguard"):  # installed, or a checkout
        if (package / "controls" / "__init__.py").is_file():
            spec = importlib.util.spec_from_file_location("accountguard", package / "__init__.py",
                                                          submodule_search_locations=[str(package)])
            module = importlib.util.module_from_spec(spec)
            sys.modules["accountguard"] = module
            spec.loader.exec_module(module)
            return module
    raise ImportError(f"accountguard's control library is not beside {HERE}")


_load_accountguard()
from accountguard.controls import all_controls  # noqa: E402
from accountguard.model import config_address  # noqa: E402

MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.MULTILINE)
AWS_RESOURCE = re.compile(r'^\s*resource\s+"aws_', re.MULTILINE)


def _command() -> list[str]:
    return shlex.split(os.environ.get("ACCOUNTGUARD_COMMAND", "accountguard"))


@lru_cache(maxsize=None)
def judge(kind: str, path: str) -> tuple[dict, str | None]:
    """accountguard's findings for one plan or root module: {(control, subject): [finding]}, or why not."""
    try:
        done = subprocess.run([*_command(), kind, path, "--format", "json"], capture_output=True, text=True,
                              timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {}, f"cannot run accountguard ({exc}); install it or set ACCOUNTGUARD_COMMAND"
    if done.returncode not in (0, 1):
        return {}, (done.stderr.strip() or f"accountguard exited with {done.returncode}")
    findings: dict = {}
    for finding in json.loads(done.stdout)["results"]:
        subject = finding["subject"]
        findings.setdefault((finding["control"], subject), []).append(finding)
        if subject != "account" and config_address(subject) != subject:
            findings.setdefault((finding["control"], config_address(subject)), []).append(finding)
    return findings, None


def _scan_roots() -> list[Path]:
    """Where checkov was asked to look (-d, and the folders of -f), to place its relative file names."""
    roots, args = [], sys.argv[1:]
    for i, arg in enumerate(args):
        option, _, value = arg.partition("=")
        if not value and option in ("-d", "--directory", "-f", "--file") and i + 1 < len(args):
            value = args[i + 1]
        if option in ("-d", "--directory") and value:
            roots.append(Path(value))
        elif option in ("-f", "--file") and value:
            roots.append(Path(value).parent)
    return roots or [Path.cwd()]


@lru_cache(maxsize=None)
def _callers() -> dict[Path, set[Path]]:
    """Module directory -> directories that call it with a local source."""
    callers: dict[Path, set[Path]] = {}
    for root in _scan_roots():
        for tf in Path(root).rglob("*.tf"):
            if ".terraform" in tf.parts:
                continue
            for source in MODULE_SOURCE.findall(tf.read_text(errors="replace")):
                callers.setdefault(_absolute(tf.parent / source), set()).add(_absolute(tf.parent))
    return callers


def _absolute(path: Path) -> Path:
    """Absolute, without following symlinks: a variant's symlinked file belongs to the variant."""
    return Path(os.path.abspath(path))


def _root_modules(directory: Path, seen: frozenset = frozenset()) -> set[Path]:
    """The root modules that (through any depth of local modules) call `directory`."""
    callers = _callers().get(directory, set()) - seen
    if not callers:
        return {directory}
    return set().union(*(_root_modules(c, seen | {directory}) for c in callers))


def _current_root() -> str | None:
    """The folder checkov is scanning now: its runner holds it as `root_folder`. With
    several -d folders, a relative file name alone does not say which one it is in."""
    frame = sys._getframe(2)
    while frame is not None:
        root = frame.f_locals.get("root_folder")
        if isinstance(root, str):
            return root
        frame = frame.f_back
    return None


@lru_cache(maxsize=None)
def _file(scanned_file: str, current_root: str | None) -> Path | None:
    path = Path(scanned_file)
    if path.is_absolute() and path.is_file():
        return _absolute(path)
    for root in ([Path(current_root)] if current_root else []) + _scan_roots():
        candidate = Path(os.path.normpath(str(root) + "/" + scanned_file.lstrip("/")))
        if candidate.is_file():
            return _absolute(candidate)
    return None


@lru_cache(maxsize=None)
def _has_root_resources(kind: str, path: str) -> bool:
    """Whether the plan or root module has resources outside modules, to report on."""
    if kind == "plan":
        plan = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        return any(not c.get("address", "").startswith("module.") and c.get("mode") == "managed"
                   for c in plan.get("resource_changes") or ())
    return any(AWS_RESOURCE.search(tf.read_text(errors="replace")) for tf in Path(path).glob("*.tf"))


class AccountguardCheck(BaseResourceCheck):
    def __init__(self, control) -> None:
        fix = " ".join(line.strip() for line in control.fix.splitlines())
        super().__init__(name=control.title, id=control.id, categories=[CheckCategories.GENERAL_SECURITY],
                         supported_resources=["aws_*"], guideline=f"{control.rationale} Fix: {fix}")
        self.anchored: set = set()

    def scan_resource_conf(self, conf):
        try:
            return self._verdict(conf)
        except Exception as exc:  # never crash checkov, never pass on a failure
            LOG.error("accountguard check %s failed: %s", self.id, exc)
            self.details.append(f"accountguard could not judge this: {type(exc).__name__}: {exc}")
            return CheckResult.FAILED

    def _scopes(self, conf) -> list[tuple[str, str]]:
        scanned_file = self.entity_path.rsplit(":", 2)[0]
        path = _file(scanned_file, _current_root())
        if path is None:
            raise FileNotFoundError(f"cannot find {scanned_file} where checkov was asked to look")
        if path.suffix == ".json":
            return [("plan", str(path))]
        if not str(conf.get("__address__", "")).startswith("module."):
            return [("hcl", str(path.parent))]
        return [("hcl", str(root)) for root in sorted(_root_modules(path.parent))]

    def _verdict(self, conf):
        address = str(conf.get("__address__", ""))
        found, problems = [], []
        for scope in self._scopes(conf):
            findings, problem = judge(*scope)
            if problem:
                problems.append(problem)
                continue
            found += findings.get((self.id, address)) or findings.get((self.id, config_address(address))) or []
            in_module = address.startswith("module.")
            if scope not in self.anchored and not (in_module and _has_root_resources(*scope)):
                self.anchored.add(scope)  # findings about the account as a whole: once per scope
                found += findings.get((self.id, "account"), [])
        if problems:
            self.details.extend(problems)
            return CheckResult.FAILED
        bad = [f for f in found if f["status"] in ("fail", "error")]
        if bad:
            self.details.extend(f'{f["status"].upper()} {f["subject"]}: {f["message"]}' for f in bad)
            return CheckResult.FAILED
        if any(f["status"] in ("pass", "warn") for f in found):  # warn: weakened, still passing
            return CheckResult.PASSED
        return CheckResult.UNKNOWN


for _control in all_controls():
    if "P" in _control.modes or "H" in _control.modes:
        AccountguardCheck(_control)
