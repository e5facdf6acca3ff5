import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))
import fixturegen  # noqa: E402

pytest_plugins = ["pytester"]

# In CI the property tests replay the same examples each run, so a red build is this change's
# doing; on a developer's machine they keep exploring (and hypothesis keeps what it finds).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

FIXTURES = fixturegen.FIXTURES
EXPECTED = fixturegen.examples()


# A bucket named %(bucket)s with AWS's bucket policy for CloudTrail (account 123456789012):
# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
TRAIL_BUCKET_TF = """
resource "aws_s3_bucket" "%(bucket)s" {
  bucket = "%(bucket)s"
}

resource "aws_s3_bucket_policy" "%(bucket)s" {
  bucket = aws_s3_bucket.%(bucket)s.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "s3:GetBucketAcl",
        Resource = "arn:aws:s3:::%(bucket)s" },
      { Effect = "Allow", Principal = { Service = "cloudtrail.amazonaws.com" }, Action = "s3:PutObject",
        Resource = "arn:aws:s3:::%(bucket)s/AWSLogs/123456789012/*",
        Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control" } } },
    ]
  })
}
"""


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command as a user runs it: a new process, real exit code and streams."""
    return subprocess.run([sys.executable, "-m", "accountguard", *args], capture_output=True, text=True,
                          cwd=cwd)


@pytest.fixture
def cli(capsys):
    """The command's entry point (accountguard.cli.main) in this process, streams captured: the
    same code as run_cli for what a report says; what only a process shows (its exit code,
    a traceback, what reaches a closed stream) stays with run_cli."""
    from accountguard.cli import main

    def run(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        status = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["accountguard", *args], status, out, err)
    return run


def failing_ids(report: dict) -> set[str]:
    return {r["control"] for r in report["results"] if r["status"] in ("fail", "error")}


@pytest.fixture
def plan_json():
    """A real plan of an example, as a dict, for tests that corrupt or alter it."""
    def load(name: str) -> dict:
        return json.loads((FIXTURES / f"{name}.json").read_text())
    return load


@pytest.fixture(scope="session")
def moto():
    """A moto server on 127.0.0.1 (tests/moto_endpoint.py), in AWS_ENDPOINT_URL while
    the tests run; each test resets it before seeding its account."""
    from moto_endpoint import moto_endpoint
    with moto_endpoint() as endpoint:
        previous = os.environ.get("AWS_ENDPOINT_URL")
        os.environ["AWS_ENDPOINT_URL"] = endpoint.url
        yield endpoint
        if previous is None:
            del os.environ["AWS_ENDPOINT_URL"]
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous


@pytest.fixture(scope="session")
def shared_provider():
    """One aws provider process per test worker for plans that may share it (fixturegen.shared_provider);
    None without the provider mirror: Terraform starts the registry's as usual."""
    if fixturegen.plugin_dir() is None:
        yield None
        return
    with fixturegen.shared_provider() as reattach:
        yield reattach


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """`make test` runs on pytest-xdist's workers (`--dist loadgroup`), and a worker makes
    its own module- and session-scoped fixtures: a test using one its module defines (a checkov
    run over every example, plans, a built wheel, a seeded organization) joins the module's
    xdist_group, so that fixture is made once per run, on one worker, in the order a serial run
    has (state it leaves on the worker's moto server included).
    The modules that run Terraform or checkov come first: their tests are the long ones (an apply
    and 21 plans against one moto account take two minutes), and one started last would keep a
    worker busy while the others sit idle."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        module, info = _module(item), getattr(item, "_fixtureinfo", None)  # None: no fixtures
        if info and any(fixture.scope in ("module", "session") and fixture.baseid == module
                        for fixtures in info.name2fixturedefs.values() for fixture in fixtures):
            item.add_marker(pytest.mark.xdist_group(module))
    long = {_module(item) for item in items
            if item.get_closest_marker("terraform") or item.get_closest_marker("checkov")}
    items.sort(key=lambda item: _module(item) not in long)  # stable: each module's tests stay together


def _module(item) -> str:
    return item.nodeid.partition("::")[0]


CHECKOV = Path(os.environ.get("ACCOUNTGUARD_CHECKOV", FIXTURES.parent / ".venv-checkov" / "bin" / "checkov"))


def pytest_runtest_setup(item):
    """Terraform and checkov tests run wherever the tools are; in CI their absence is a failure."""
    for marker, present, how in (("terraform", shutil.which("terraform"), "terraform on PATH"),
                                 ("checkov", CHECKOV.is_file(), f"checkov at {CHECKOV} (make test installs it)")):
        if item.get_closest_marker(marker) and not present:
            if os.environ.get("CI"):
                pytest.fail(f"this test needs {how}, and CI must run it")
            pytest.skip(f"needs {how}")
