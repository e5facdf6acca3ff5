"""Plans of the examples, made by real Terraform without an AWS account.

`python tests/fixturegen.py` (or `make fixtures`) writes fixtures/<example>.json,
and fixtures/changes/<change>.json for the changes in examples/changes.toml:
the change's `from` example applied to a moto server on 127.0.0.1, its `to`
example planned against that state; `python tests/fixturegen.py EXAMPLE...` plans
only those examples. Each plan's line in fixtures/SHA256SUMS (`SUMS`), and each
change plan's in fixtures/changes/SHA256SUMS (`CHANGE_SUMS`), holds the digest of
what it was made from and of the file written, for tests/test_fixtures_fresh.py and
tests/test_regressions.py.
Terraform needs the hashicorp/aws provider: from a filesystem mirror when one is
found (ACCOUNTGUARD_TF_PLUGIN_DIR, or the usual places), else from the registry.
With a mirror, Terraform runs the mirror's AWS_PROVIDER_VERSION binary in place (a CLI
configuration's dev_overrides): `terraform init` would hash the 700 MB binary for the lock
file, and every plan and show would hash it again against it. Only modules are installed
(`terraform get`).
tests/test_fixtures_fresh.py plans with one provider process per test worker (`shared_provider`).
Every run keeps the provider's SDK logging off (`QUIET_PROVIDER`)."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from moto_account import reset
from moto_endpoint import moto_endpoint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "fixtures"
CHANGES = "changes"  # fixtures/changes/, examples/changes.toml
# moto has no backend for these: they stay out of applied states.
NOT_APPLIED = ("aws_accessanalyzer_analyzer", "aws_budgets_budget")
MIRROR_CANDIDATES = ("/opt/tf-plugins", "~/.terraform.d/plugins", "/usr/local/share/terraform/plugins",
                     "/usr/share/terraform/plugins")
# Terraform and the aws provider it starts (several times per plan) are Go programs: collecting
# garbage only near a memory limit, not every time the heap doubles, saves about a third of their
# CPU time and changes nothing they write.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "2GiB"}
# The provider's SDKs log every request at trace level unless told otherwise, and Terraform reads
# and drops those lines when TF_LOG is unset: several MB per plan, about a tenth of its CPU time.
QUIET_PROVIDER = {name: "off" for name in ("TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_MUX",
                                           "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_HELPER_SCHEMA")}
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
# The version the fixtures and the schema snapshot were made with: the newest the examples'
# "~> 5.0" admits, which the registry gives and `init -plugin-dir` picks from the mirror.
AWS_PROVIDER_VERSION = "5.100.0"
VOLATILE_KEYS = ("timestamp", "terraform_version")  # ignored when comparing; the timestamp is not written
MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\./[^"]+)"', re.MULTILINE)


def expectations() -> dict[str, list[str] | dict]:
    with (EXAMPLES / "expected.toml").open("rb") as handle:
        return tomllib.load(handle)


def examples() -> dict[str, list[str]]:
    """Example name -> the controls its plan must fail or error on, exactly these."""
    return {name: entry if isinstance(entry, list) else sorted(entry.get("fail", []) + entry.get("error", []))
            for name, entry in expectations().items()}


def verdicts() -> dict[str, dict[str, str]]:
    """Example name -> {control: "fail" or "error"}, for the examples whose
    expectation is a table (the adversarial cases): which of the two, and why."""
    return {name: {**{c: "fail" for c in entry.get("fail", [])}, **{c: "error" for c in entry.get("error", [])}}
            for name, entry in expectations().items() if isinstance(entry, dict)}


def changes() -> dict[str, dict]:
    """Change name -> {from, to, plan_options, regressions, warnings, preexisting}."""
    with (EXAMPLES / f"{CHANGES}.toml").open("rb") as handle:
        return tomllib.load(handle)


def plugin_dir() -> str | None:
    configured = os.environ.get("ACCOUNTGUARD_TF_PLUGIN_DIR")
    if configured:
        return configured
    for candidate in MIRROR_CANDIDATES:
        path = Path(candidate).expanduser()
        if (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return str(path)
    return None


def called_modules(directory: Path) -> set[Path]:
    """examples/modules/* that `directory` calls, directly or through another of them."""
    found, todo = set(), [directory]
    while todo:
        caller = todo.pop()
        for source in MODULE_SOURCE.findall("".join(p.read_text() for p in caller.glob("*.tf"))):
            module = (caller / source).resolve()
            if module.parent == EXAMPLES / "modules" and module not in found:
                found.add(module)
                todo.append(module)
    return found


@cache
@cache
def toolchain() -> str:
    """What makes a plan besides its example: Terraform's version and the aws provider's."""
    terraform = json.loads(subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True,
                                          check=True).stdout)["terraform_version"]
    return f"terraform {terraform}, hashicorp/aws {AWS_PROVIDER_VERSION}"


def change_toolchain() -> str:
    """A change plan's prior state is what moto answers too."""
    return f"{toolchain()}, moto {importlib.metadata.version('moto')}"


def inputs_digest(name: str) -> str:
    """The digest of examples/<name> and the modules it calls, as Terraform reads them (symlinks followed)."""
    digest = hashlib.sha256()
    for directory in sorted({EXAMPLES / name, *called_modules(EXAMPLES / name)}):
        for path in sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".terraform")
                           and ".tfstate" not in p.name and ".terraform" not in p.relative_to(directory).parts):
            digest.update(f"{path.relative_to(EXAMPLES)}\0{path.stat().st_size}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def change_inputs_digest(name: str) -> str:
    """The digest of a change's entry in examples/changes.toml, of its two examples and of the
    plan its `from` example is applied from (generate_changes)."""
    change = changes()[name]
    digest = hashlib.sha256(json.dumps(change, sort_keys=True).encode())
    for part in (inputs_digest(change["from"]), inputs_digest(change["to"]),
                 file_digest(FIXTURES / f"{change['from']}.json")):
        digest.update(part.encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Sums:
    """A SHA256SUMS file: the toolchain its plans were made with, and per plan the digests of
    its inputs and of the file `make fixtures` wrote."""

    path: Path
    toolchain: Callable[[], str]
    inputs_digest: Callable[[str], str]
    fixture: Callable[[str], Path]
    names: Callable[[], Iterable[str]]

    def read(self) -> tuple[str, dict[str, tuple[str, str]]]:
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        made_with = lines[0].removeprefix("# made by `make fixtures` with ") if lines else ""
        return made_with, {name: (inputs, plan) for inputs, plan, name in (line.split() for line in lines[1:])}

    def write(self, names) -> None:
        """Records `names`' lines (their plans just written); the others are kept if the toolchain is the same."""
        made_with, sums = self.read()
        sums = {name: line for name, line in sums.items() if made_with == self.toolchain() and name in self.names()}
        sums.update({name: (self.inputs_digest(name), file_digest(self.fixture(name))) for name in names})
        self.path.write_text(f"# made by `make fixtures` with {self.toolchain()}\n"
                             + "".join(f"{inputs}  {plan}  {name}\n" for name, (inputs, plan) in sorted(sums.items())))


SUMS = Sums(FIXTURES / "SHA256SUMS", toolchain, inputs_digest, lambda name: FIXTURES / f"{name}.json", examples)
CHANGE_SUMS = Sums(FIXTURES / CHANGES / "SHA256SUMS", change_toolchain, change_inputs_digest,
                   lambda name: FIXTURES / CHANGES / f"{name}.json", changes)


@cache
def _mirrored_provider() -> Path | None:
    """The mirror's directory of AWS_PROVIDER_VERSION for this platform, or None without a mirror."""
    mirror = plugin_dir()
    if mirror is None:
        return None
    platform = json.loads(subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True,
                                         check=True).stdout)["platform"]
    versions = Path(mirror) / AWS_PROVIDER
    provider = versions / AWS_PROVIDER_VERSION / platform
    if not list(provider.glob(f"terraform-provider-aws_v{AWS_PROVIDER_VERSION}*")):
        held = sorted(str(p.relative_to(versions)) for p in versions.glob("*/*")) if versions.is_dir() else []
        raise RuntimeError(f"the provider mirror {mirror} holds hashicorp/aws {', '.join(held) or 'nothing'}, "
                           f"not {AWS_PROVIDER_VERSION}/{platform} unpacked, the version the fixtures are made with")
    return provider


def _cli_configuration(data_dir: str) -> Path:
    """.terraformrc, and with a mirror its provider binary run in place: written into `data_dir`."""
    provider = _mirrored_provider()
    if provider is None:
        return ROOT / ".terraformrc"
    path = Path(data_dir) / "terraformrc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((ROOT / ".terraformrc").read_text() + "provider_installation {\n  dev_overrides {\n"
                    f"    {json.dumps('hashicorp/aws')} = {json.dumps(str(provider))}\n  }}\n}}\n")
    return path


@contextmanager
def shared_provider(timeout: float = 120) -> Iterator[str]:
    """The mirror's aws provider started once in debug mode; yields its TF_REATTACH_PROVIDERS value.
    Otherwise Terraform starts the provider 5 times per plan (for its schema, then per provider
    configuration to validate and to plan) and once per show, each start mapping a 700 MB binary:
    a plan attached to this one costs about a third less CPU. One process serves every provider
    configuration, so they share whichever was configured last: a plan is faithful only where it does
    not depend on it (no state, no refresh, no data source reading an account).
    tests/test_fixtures_fresh.py compares such plans with fixtures made the usual way, and makes a
    plan that differs again without it."""
    provider = _mirrored_provider()
    if provider is None:
        raise RuntimeError("a shared provider needs the provider mirror")
    binary = next(provider.glob(f"terraform-provider-aws_v{AWS_PROVIDER_VERSION}*"))
    with tempfile.TemporaryDirectory(prefix="accountguard-provider-") as scratch:
        log = Path(scratch) / "provider.log"
        # A long-lived process collects garbage, or it would grow to GOMEMLIMIT. When its heap has
        # grown fivefold, not twofold: about a fifth less of its CPU time, at about 700 MB.
        env = {**_environment(scratch), "GOGC": "400"}
        with log.open("w") as output:
            process = subprocess.Popen([str(binary), "-debug"], stdout=output, stderr=subprocess.STDOUT,
                                       env=env, cwd=scratch)
        try:
            deadline = time.monotonic() + timeout
            while not (found := re.search(r"TF_REATTACH_PROVIDERS='(\{.*\})'", log.read_text())):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the aws provider did not start in debug mode:\n{log.read_text()[-2000:]}")
                time.sleep(0.05)
            yield found.group(1)
        finally:
            process.kill()
            process.wait()


def _environment(data_dir: str, endpoint: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(TF_CLI_CONFIG_FILE=str(_cli_configuration(data_dir)), TF_DATA_DIR=data_dir, TF_IN_AUTOMATION="1",
               TF_INPUT="0", CHECKPOINT_DISABLE="1",
               AWS_ACCESS_KEY_ID="mock-access-key", AWS_SECRET_ACCESS_KEY="mock-secret-key",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, **GO_RUNTIME, **QUIET_PROVIDER)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def normalized(plan: dict) -> dict:
    """The plan without what changes from run to run or machine to machine."""
    plan = {k: v for k, v in plan.items() if k not in VOLATILE_KEYS}
    if "relevant_attributes" in plan:
        plan["relevant_attributes"] = sorted(plan["relevant_attributes"], key=json.dumps)
    return plan


def _terraform(name: str, cwd: Path, env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """`timeout`: a hung Terraform (a provider retrying a call for good) fails its test, not the whole run."""
    try:
        done = subprocess.run(["terraform", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{name}: terraform {args[0]} did not finish in {timeout:.0f} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"{name}: terraform {args[0]} failed:\n{done.stderr or done.stdout}")
    return done.stdout


def _init(name: str, workdir: Path, env: dict[str, str]) -> None:
    if _mirrored_provider():
        _terraform(name, workdir, env, "get")
    else:
        _terraform(name, workdir, env, "init", "-backend=false")


def _plan(name: str, workdir: Path, env: dict[str, str], *options: str) -> dict:
    """`terraform init`, `plan` and `show -json` in `workdir`."""
    _init(name, workdir, env)
    plan_file = Path(env["TF_DATA_DIR"]) / "plan.tfplan"
    _terraform(name, workdir, env, "plan", f"-out={plan_file}", *options)
    plan = json.loads(_terraform(name, workdir, env, "show", "-json", str(plan_file)))
    plan.pop("timestamp", None)  # changes on every run; everything else is as Terraform wrote it
    return plan


def _write(plan: dict, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(plan, indent=1) + "\n")
    return target


def plan_example(name: str, out_dir: Path, provider: str | None = None) -> Path:
    """Planned in a copy: examples/ gets no lock file or state lock while tests copy and read it.
    `provider`: a `shared_provider` to attach to."""
    with tempfile.TemporaryDirectory(prefix=f"accountguard-{name}-") as scratch:
        return plan_directory(_workdir(name, Path(scratch)), out_dir / f"{name}.json", provider)


def plan_directory(directory: Path, target: Path, provider: str | None = None) -> Path:
    """The plan of a configuration without state, written to `target`."""
    with tempfile.TemporaryDirectory(prefix=f"accountguard-{directory.name}-") as data_dir:
        env = _environment(data_dir)
        if provider:
            env["TF_REATTACH_PROVIDERS"] = provider
        plan = _plan(directory.name, directory, env, "-refresh=false")
    return _write(plan, target)


def _workdir(name: str, parent: Path) -> Path:
    """A copy of examples/<name> with the modules beside it, symlinks resolved."""
    ignore = shutil.ignore_patterns(".terraform*", "*.tfstate*")
    if not (parent / "modules").exists():
        shutil.copytree(EXAMPLES / "modules", parent / "modules", ignore=ignore)
    shutil.copytree(EXAMPLES / name, parent / name, ignore=ignore)
    return parent / name


def _apply(example: str, endpoint: str, scratch: Path, planned: dict | None = None) -> Path:
    """Apply `example` (what moto can hold) to the server; returns the state file.
    `planned`: the example's plan, when the caller has it already."""
    workdir = _workdir(example, scratch / f"from-{example}")
    env = _environment(str(scratch / f"data-from-{example}"), endpoint)
    if planned is None:
        planned = _plan(example, workdir, env, "-refresh=false")
    else:
        _init(example, workdir, env)
    targets = [f"-target={change['address']}" for change in planned["resource_changes"]
               if change["mode"] == "managed" and change["type"] not in NOT_APPLIED]
    _terraform(example, workdir, env, "apply", "-auto-approve", "-refresh=false", *targets)
    return workdir / "terraform.tfstate"


def plan_change(name: str, change: dict, state: Path, endpoint: str, scratch: Path, out_dir: Path) -> Path:
    workdir = _workdir(change["to"], scratch / name)
    shutil.copy(state, workdir / "terraform.tfstate")
    plan = _plan(name, workdir, _environment(str(scratch / f"data-{name}"), endpoint),
                 *change.get("plan_options", ()))
    return _write(plan, out_dir / CHANGES / f"{name}.json")


def change_summary(path: Path) -> dict:
    """A change plan without moto's random IDs: what changes, the configuration,
    and accountguard's findings."""
    from accountguard.engine import evaluate
    from accountguard.sources.plan import load_plan

    plan = json.loads(path.read_text())
    return {"changes": sorted((c["address"], c["change"]["actions"], c.get("previous_address"))
                              for c in plan.get("resource_changes", ())),
            "configuration": plan["configuration"],
            "findings": json.loads(re.sub(r"\b\d{12}\b", "<account ID>", json.dumps(
                [f.as_dict() for result in evaluate(load_plan(path)) for f in result.findings])))}


def changes_by_origin() -> dict[str, dict[str, dict]]:
    """`from` example -> {change name: change}: the changes planned against one applied account."""
    by_origin: dict[str, dict[str, dict]] = {}
    for name, change in changes().items():
        by_origin.setdefault(change["from"], {})[name] = change
    return by_origin


def generate_changes(out_dir: Path = FIXTURES, names: Iterable[str] | None = None) -> list[Path]:
    """The change plans `names` (all if None): one moto account per `from` example, reset in
    between; the plans against it in parallel. The `from` example is applied to the targets of
    its fixture, fixtures/<from>.json (fresh after `generate`; tests/test_fixtures_fresh.py
    proves it is), not planned once more. In fixtures/, their lines in CHANGE_SUMS too."""
    chosen = set(changes() if names is None else names)
    written: list[Path] = []
    with moto_endpoint() as server, tempfile.TemporaryDirectory(prefix="accountguard-changes-") as scratch:
        endpoint = server.url
        for origin, planned in changes_by_origin().items():
            planned = {name: change for name, change in planned.items() if name in chosen}
            if not planned:
                continue
            reset(endpoint)
            state = _apply(origin, endpoint, Path(scratch), json.loads((FIXTURES / f"{origin}.json").read_text()))
            with ThreadPoolExecutor(max_workers=4) as pool:
                written += pool.map(lambda item: plan_change(*item, state, endpoint, Path(scratch), out_dir),
                                    planned.items())
    if out_dir == FIXTURES:
        CHANGE_SUMS.write(chosen)
    return written


def generate(names=None) -> list[Path]:
    """fixtures/ for `names` (all the examples if None) and their lines in SUMS."""
    if shutil.which("terraform") is None:
        raise RuntimeError("terraform is not on PATH; install Terraform >= 1.5 to make the fixtures")
    unknown = set(names or ()) - set(examples())
    if unknown:
        raise RuntimeError(f"no such example: {', '.join(sorted(unknown))}")
    names = list(names or examples())
    with ThreadPoolExecutor(max_workers=3) as pool:
        written = list(pool.map(lambda name: plan_example(name, FIXTURES), names))
    SUMS.write(names)
    return written


if __name__ == "__main__":
    try:
        chosen = sys.argv[1:]
        for path in generate(chosen) + ([] if chosen else generate_changes()):
            print(path.relative_to(ROOT))
    except RuntimeError as exc:
        sys.exit(f"fixturegen: {exc}")
