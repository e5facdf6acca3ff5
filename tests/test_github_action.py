"""The GitHub Action's judging step (.ci/github-action.sh), run as action.yml runs
it: SARIF written for upload, Markdown appended to the job summary, the exit code
left in $GITHUB_OUTPUT so that the upload happens before the job fails."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES

ROOT = FIXTURES.parent
SCRIPT = ROOT / ".ci" / "github-action.sh"


def run_action(tmp_path, **inputs):
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    summary.write_text("earlier steps' summary\n")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "ACCOUNTGUARD": str(Path(sys.executable).with_name("accountguard")),
           **{f"INPUT_{k.upper()}": str(v) for k, v in inputs.items()}}
    done = subprocess.run(["bash", str(SCRIPT)], cwd=tmp_path, env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    return done, summary.read_text(), outputs


def test_the_action_runs_the_script_it_ships():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    judge = next(s for s in steps if s.get("id") == "judge")
    assert '.ci/github-action.sh' in judge["run"]
    assert action["inputs"]["fail-on"]["default"] == "regressions"
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)


def test_a_plan_that_weakens_the_account(tmp_path):
    done, summary, outputs = run_action(tmp_path, plan=FIXTURES / "changes" / "trail-logging-off.json")
    assert done.returncode == 0  # the job fails in the last step, after the SARIF upload
    assert outputs["exit-code"] == "1"
    assert "FAIL   AG_TRAIL_1" in done.stdout
    assert summary.startswith("earlier steps' summary\n### accountguard")
    assert "What this change weakens" in summary
    sarif = json.loads((tmp_path / "accountguard.sarif").read_text())
    assert any(r["ruleId"] == "AG_TRAIL_1" for r in sarif["runs"][0]["results"])


def test_old_findings_do_not_fail_by_default(tmp_path):
    done, _, outputs = run_action(tmp_path, plan=FIXTURES / "changes" / "weak-account-unchanged.json")
    assert outputs["exit-code"] == "0", done.stdout


def test_a_directory(tmp_path):
    _, summary, outputs = run_action(tmp_path, directory=ROOT / "examples" / "no-trail", tree=ROOT / "examples")
    assert outputs["exit-code"] == "1" and "AG\\_TRAIL\\_1" not in summary and "AG_TRAIL_1" in summary


@pytest.mark.parametrize("inputs", [{}, {"plan": "p.json", "directory": "d"}])
def test_exactly_one_of_plan_or_directory(tmp_path, inputs):
    done, _, outputs = run_action(tmp_path, **inputs)
    assert done.returncode == 2 and outputs["exit-code"] == "2"
    assert done.stderr.count("\n") == 1
