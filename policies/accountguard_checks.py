"""accountguard's controls as checkov checks, one per control with mode P or H.

Thin adapters: the metadata comes from accountguard's control library, loaded
into checkov's environment by path (it needs nothing but the standard library);
the verdicts come from accountguard, asked once per plan file or root module that
checkov scans (a scope: a root module's .tf files, which checkov's terraform
framework scans, and its .tf.json files, which its terraform_json framework scans,
are one), in accountguard's own environment (ACCOUNTGUARD_COMMAND, default
`accountguard` on PATH): the scopes of a checkov runner in one `accountguard
checkov-scopes` process, each as `accountguard plan|hcl PATH --format json` would
judge it. So the rules live in one place and checkov's pinned packages never meet ours.

Each control is a resource, a module-call and a provider check under one ID, so
that it reports on every scope: findings about a resource on that resource, the
rest (the account as a whole, or why accountguard could not judge the scope)
once per scope on its anchor, the first entity of the most specific kind the
scope has (a resource of the root module, of a module, a module call, the aws
provider). Anything that goes wrong is FAILED with the reason, never PASSED.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from checkov.common.bridgecrew.check_type import CheckType
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.module.base_module_check import BaseModuleCheck
from checkov.terraform.checks.provider.base_check import BaseProviderCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from checkov.terraform.parser_utils import load_or_die_quietly
from checkov.terraform_json.parser import parse as parse_tf_json

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
from accountguard.limits import CHECKOV_COMMAND_TIMEOUT_SECONDS  # noqa: E402
from accountguard.model import config_address  # noqa: E402

TIMEOUT_VARIABLE = "ACCOUNTGUARD_COMMAND_TIMEOUT"
JUDGED_SOUND = ("pass", "warn")  # warn: weakened, still passing
MAX_REASON_CHARS = 300
TERRAFORM, TERRAFORM_JSON, TERRAFORM_PLAN = CheckType.TERRAFORM, CheckType.TERRAFORM_JSON, CheckType.TERRAFORM_PLAN
# The anchor of a scope is the first entity checkov shows of its lowest rank.
RANKS = {"resource": 0, "module resource": 1, "module": 2, "provider": 3}


class Unjudged(Exception):
    """Why accountguard gave no verdicts for a scope: the one line every check of the scope reports."""


@dataclass
class Answer:
    """accountguard's findings for one scope, indexed by (control, subject or its configuration address)."""
    results: list = field(default_factory=list)
    index: dict = field(default_factory=dict)
    controls: set = field(default_factory=set)
    problem: str | None = None


def printable(text: str) -> str:
    """One line without control characters: a value from accountguard or its input must not steer a terminal or CI log."""
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return line if len(line) <= MAX_REASON_CHARS else line[:MAX_REASON_CHARS] + "..."


def _timeout() -> float:
    value = os.environ.get(TIMEOUT_VARIABLE)
    if value is None:
        return CHECKOV_COMMAND_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise Unjudged(f"{TIMEOUT_VARIABLE} must be a positive number of seconds")
    return seconds


def _last_line(stderr: bytes) -> str:
    return next((line for line in reversed(stderr.decode(errors="replace").split("\n")) if line.strip()), "")


def _run(arguments: list[str], what: str, timeout: float) -> tuple[int, bytes, bytes]:
    """accountguard's exit status, stdout and stderr; killed, with whatever it started, when it
    takes longer than `timeout`."""
    try:
        command = [*shlex.split(os.environ.get("ACCOUNTGUARD_COMMAND", "accountguard")), *arguments]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except (OSError, ValueError) as exc:
        raise Unjudged(f"cannot run accountguard ({exc}); install it or set ACCOUNTGUARD_COMMAND") from None
    with process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            raise Unjudged(f"accountguard {what} took longer than {timeout:g} s ({TIMEOUT_VARIABLE})") from None
    return process.returncode, stdout, stderr


def _answer(kind: str, path: str, code: int, stdout: bytes, said: str) -> Answer:
    """The Answer of `accountguard kind path --format json`, from its exit status, stdout and last stderr line."""
    ended = (f"was killed by signal {-code}" if code < 0 else f"exited with {code}") + (f": {said}" if said else "")
    try:
        if code not in (0, 1):
            raise Unjudged(f"accountguard {kind} {ended}")
        return _parse(stdout, f"accountguard {kind} printed no valid JSON report ({ended})")
    except Unjudged as exc:
        return _unjudged(kind, path, exc)


def _unjudged(kind: str, path: str, why: Unjudged) -> Answer:
    return Answer(problem=printable(f"{why} [accountguard {kind} {path}]"))


def _parse(stdout: bytes, invalid: str) -> Answer:
    answer = Answer()
    try:
        answer.results = json.loads(stdout)["results"]
        for finding in answer.results:
            control, subject = finding["control"], finding["subject"]
            if not all(isinstance(finding[key], str) for key in ("control", "subject", "status", "message")):
                raise TypeError
            answer.controls.add(control)
            answer.index.setdefault((control, subject), []).append(finding)
            if config_address(subject) != subject:
                answer.index.setdefault((control, config_address(subject)), []).append(finding)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise Unjudged(invalid) from None
    return answer


def _judge_alone(kind: str, path: str) -> Answer:
    """One `accountguard plan|hcl PATH --format json` process for one scope."""
    try:
        code, stdout, stderr = _run([kind, path, "--format", "json"], kind, _timeout())
    except Unjudged as exc:
        return _unjudged(kind, path, exc)
    return _answer(kind, path, code, stdout, _last_line(stderr))


def _judge_together(scopes: list[tuple[str, str]]) -> list[Answer]:
    """The scopes' answers from one `accountguard checkov-scopes` process (its start-up paid once), each
    as its own process would give it; if that process fails as a whole (it crashes, times out, prints
    no valid document), each scope judged alone, so that a scope breaking accountguard breaks only itself."""
    asked = [f"{kind}:{path}" for kind, path in scopes]
    try:
        code, stdout, stderr = _run(["checkov-scopes", *asked], "checkov-scopes", _timeout() * len(scopes))
        if code != 0:
            raise Unjudged(f"accountguard checkov-scopes exited with {code}: {_last_line(stderr)}")
        try:
            judged = json.loads(stdout)["scopes"]
            if [s["scope"] for s in judged] != asked:
                raise ValueError("not the scopes asked")
            return [_answer(kind, path, int(s["exit"]), s["report"].encode(), _last_line(s["stderr"].encode()))
                    for (kind, path), s in zip(scopes, judged)]
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise Unjudged(f"accountguard checkov-scopes printed no valid document ({exc})") from None
    except Unjudged as exc:
        LOG.info("%s; judging each of %d scopes alone", printable(str(exc)), len(scopes))
    return [_judge_alone(*scope) for scope in scopes]


BATCH_MAX_SCOPES = 64  # per accountguard process: a bounded command line and timeout
_ANSWERS: dict = {}  # (kind, path) -> Answer: each scope is judged once


def judge(scanning: "Scanning", scope: tuple[str, str]) -> Answer:
    """accountguard's answer for one plan or root module, or why there is none. The first scope asked
    is judged together with the runner's other scopes not judged yet."""
    if scope not in _ANSWERS:
        pending = [s for s in dict.fromkeys(_scopes(scanning)) if s != scope and s not in _ANSWERS]
        batch = [scope, *pending[:BATCH_MAX_SCOPES - 1]]
        _ANSWERS.update(zip(batch, _judge_together(batch) if len(batch) > 1 else [_judge_alone(*scope)]))
    return _ANSWERS[scope]


@dataclass
class Scanning:
    """What checkov is scanning when it runs a check: its definitions, the file's key, which framework,
    and what the run was given (a folder or files, the frameworks enabled)."""
    definitions: dict
    key: object
    framework: str
    root_folder: str | None
    files: tuple
    frameworks: tuple


def _scanning() -> Scanning:
    """From checkov's runner's frames: the relative file name a check is given says neither which
    plan nor which root module it is in, nor what else the run scans."""
    frame = sys._getframe(1)
    while frame is not None:
        runner, key = frame.f_locals.get("self"), frame.f_locals.get("full_file_path")
        if key is not None and isinstance(getattr(runner, "definitions", None), dict):
            break
        frame = frame.f_back
    else:
        raise LookupError("checkov's runner does not say which file it scans")
    while frame is not None and not (frame.f_locals.get("self") is runner and "files" in frame.f_locals):
        frame = frame.f_back
    if frame is None:
        raise LookupError("checkov's runner does not say what it was asked to scan")
    given = frame.f_locals
    return Scanning(runner.definitions, key, str(getattr(runner, "check_type", "")), given.get("root_folder"),
                    tuple(given.get("files") or ()), tuple(getattr(given.get("runner_filter"), "framework", ())))


def _scope(key, framework: str) -> tuple[str, str]:
    """("plan", file) for a plan; ("hcl", root module) for a .tf file, through any depth of module calls,
    and for a .tf.json file (checkov's terraform_json framework), part of its directory's root module."""
    if framework == TERRAFORM_JSON:
        return "hcl", os.path.dirname(key) or "."
    if framework == TERRAFORM_PLAN or isinstance(key, str):
        return "plan", getattr(key, "file_path", key)
    module, path = key.tf_source_modules, key.file_path
    while module is not None:
        module, path = module.nested_tf_module, module.path
    return "hcl", os.path.dirname(path)


def _scanned_by(framework: str, suffix: str, scanning: Scanning, directory: str) -> list[Path]:
    """The `suffix` files of `directory` that `framework` scans in this run: all of them under a
    scanned folder, the given ones among files (checkov's terraform runner reads only .tf files,
    its terraform_json runner only .tf.json files)."""
    if "all" not in scanning.frameworks and framework not in scanning.frameworks:
        return []
    if scanning.root_folder is not None:
        return sorted(Path(directory).glob(f"*{suffix}"))
    return sorted(Path(f) for f in scanning.files
                  if f.endswith(suffix) and os.path.abspath(os.path.dirname(f)) == os.path.abspath(directory))


def _entities(definition: dict):
    """(rank, address) of every entity in a file that one of our checks is run on."""
    for resource in definition.get("resource") or ():
        kind, named = next(iter(resource.items()))
        if kind.startswith("aws_"):
            name, conf = next(iter(named.items()))
            address = str(conf.get("__address__", f"{kind}.{name}"))
            yield RANKS["module resource" if address.startswith("module.") else "resource"], address
    for _ in definition.get("module") or ():
        yield RANKS["module"], None
    for provider in definition.get("provider") or ():
        if "aws" in provider:
            yield RANKS["provider"], None


def _scopes(scanning: Scanning):
    """The scopes of the runner's files that one of our checks runs on (checkov's plan runner runs no
    module checks)."""
    unchecked = {RANKS["module"]} if scanning.framework == TERRAFORM_PLAN else set()
    for key, definition in scanning.definitions.items():
        if {rank for rank, _ in _entities(definition)} - unchecked:
            yield _scope(key, scanning.framework)


@dataclass
class Layout:
    """What checkov shows of one scope: the anchor's rank, and the resources findings can go on."""
    anchor_rank: int
    shown: set
    anchored: set = field(default_factory=set)  # the check IDs that have reported on the anchor


_LAYOUTS: dict = {}
NO_ANCHOR = len(RANKS)


def _layout(scanning: Scanning, scope: tuple[str, str]) -> Layout:
    """A root module whose .tf and .tf.json files checkov scans in two frameworks is one scope: the
    terraform framework anchors it, each shows its own resources, neither puts the other's on the anchor."""
    if scope not in _LAYOUTS:
        entities = [e for key, definition in scanning.definitions.items()
                    if _scope(key, scanning.framework) == scope for e in _entities(definition)]
        anchor_rank = min((rank for rank, _ in entities), default=0)
        if scope[0] == "hcl" and scanning.framework == TERRAFORM:
            entities += [e for path in _scanned_by(TERRAFORM_JSON, ".tf.json", scanning, scope[1])
                         for e in _entities(parse_tf_json(path)[0] or {})]
        elif scanning.framework == TERRAFORM_JSON and any(
                next(_entities(load_or_die_quietly(path, {}) or {}), None)
                for path in _scanned_by(TERRAFORM, ".tf", scanning, scope[1])):
            anchor_rank = NO_ANCHOR  # the terraform framework has an entity of this scope to anchor on
        _LAYOUTS[scope] = Layout(anchor_rank, {a for _, a in entities if a})
    return _LAYOUTS[scope]


def _rank(block_type: str, address: str) -> int:
    if block_type == "resource" and address.startswith("module."):
        return RANKS["module resource"]
    return RANKS[block_type]


def _metadata(control) -> dict:
    fix = " ".join(line.strip() for line in control.fix.splitlines())
    return dict(name=control.title, id=control.id, categories=[CheckCategories.GENERAL_SECURITY],
                guideline=f"{control.rationale} Fix: {fix}")


class Adapter:
    """The verdict of one control on one entity, shared by the three kinds of check."""

    waiver = ""  # why accountguard's configuration waives this entity's failure, if it does
    named = ""  # type.name of the entity (terraform_json gives its resources no __address__)

    def run(self, scanned_file, entity_configuration, entity_name, entity_type, skip_info):
        """checkov's own run, with a waived failure shown as a skipped check with the waiver's reason."""
        self.waiver, self.named = "", f"{entity_type}.{entity_name}"
        result = super().run(scanned_file, entity_configuration, entity_name, entity_type, skip_info)
        if result.get("result") is CheckResult.SKIPPED and self.waiver:
            result.setdefault("suppress_comment", self.waiver)
        return result

    def judged(self, conf) -> CheckResult:
        try:
            return self._verdict(conf)
        except Exception as exc:  # never crash checkov, never pass on a failure
            LOG.error("accountguard check %s failed: %s", self.id, printable(f"{type(exc).__name__}: {exc}"))
            self.details.append(printable(f"accountguard could not judge this: {type(exc).__name__}: {exc}"))
            return CheckResult.FAILED

    def _verdict(self, conf) -> CheckResult:
        scanning = _scanning()
        scope = _scope(scanning.key, scanning.framework)
        layout, answer = _layout(scanning, scope), judge(scanning, scope)
        address = str(conf.get("__address__", self.named if self.block_type == "resource" else ""))
        anchor = self.id not in layout.anchored and _rank(self.block_type, address) == layout.anchor_rank
        if anchor:
            layout.anchored.add(self.id)
        problem = answer.problem
        if problem is None and self.id not in answer.controls:
            problem = printable(f"accountguard's report has no result for {self.id} [accountguard {' '.join(scope)}]")
        if problem:
            if not anchor:
                return CheckResult.UNKNOWN
            self.details.append(problem)
            return CheckResult.FAILED
        found = []
        if self.block_type == "resource":
            found += answer.index.get((self.id, address)) or answer.index.get((self.id, config_address(address))) or []
        if anchor:  # findings about what checkov does not show: the account, or a resource it has no block for
            found += [f for f in answer.results if f["control"] == self.id and f["subject"] not in layout.shown
                      and config_address(f["subject"]) not in layout.shown]
        bad = [f for f in found if f["status"] not in (*JUDGED_SOUND, "not_applicable")]
        if any("waived" not in f for f in bad):
            self.details.extend(printable(f'{f["status"].upper()} {f["subject"]}: {f["message"]}') for f in bad)
            return CheckResult.FAILED
        if bad:  # every failure here is waived (waivers.py; an error never is)
            self.waiver = printable("waived: " + "; ".join(
                f'{f["subject"]}: {f["waived"]["reason"]} (until {f["waived"]["expires"]})' for f in bad))
            return CheckResult.SKIPPED
        if any(f["status"] in JUDGED_SOUND for f in found):
            return CheckResult.PASSED
        return CheckResult.UNKNOWN


class ResourceCheck(Adapter, BaseResourceCheck):
    def __init__(self, control) -> None:
        super().__init__(supported_resources=["aws_*"], **_metadata(control))

    def scan_resource_conf(self, conf):
        return self.judged(conf)


class ModuleCallCheck(Adapter, BaseModuleCheck):
    def __init__(self, control) -> None:
        super().__init__(**_metadata(control))

    def scan_module_conf(self, conf):
        return self.judged(conf)


class ProviderCheck(Adapter, BaseProviderCheck):
    def __init__(self, control) -> None:
        super().__init__(supported_provider=["aws"], **_metadata(control))

    def scan_provider_conf(self, conf):
        return self.judged(conf)


for _control in all_controls():
    if "P" in _control.modes or "H" in _control.modes:
        for _kind in (ResourceCheck, ModuleCallCheck, ProviderCheck):
            _kind(_control)
