import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import fixturegen  # noqa: E402

pytest_plugins = ["pytester"]

FIXTURES = fixturegen.FIXTURES
EXPECTED = fixturegen.examples()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command as a user runs it: a new process, real exit code and streams."""
    return subprocess.run([sys.executable, "-m", "accountguard", *args], capture_output=True, text=True,
                          cwd=cwd)


def failing_ids(report: dict) -> set[str]:
    return {r["control"] for r in report["results"] if r["status"] in ("fail", "error")}


@pytest.fixture
def plan_json():
    """A real plan of an example, as a dict, for tests that corrupt or alter it."""
    def load(name: str) -> dict:
        return json.loads((FIXTURES / f"{name}.json").read_text())
    return load


def pytest_runtest_setup(item):
    """Terraform tests run wherever Terraform is; in CI its absence is a failure."""
    if item.get_closest_marker("terraform") and shutil.which("terraform") is None:
        if os.environ.get("CI"):
            pytest.fail("this test needs terraform on PATH, and CI must run it")
        pytest.skip("needs terraform on PATH")
