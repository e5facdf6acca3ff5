"""accountguard.toml and [tool.accountguard]: thresholds, controls managed
elsewhere, and malformed configuration as a usage error."""
import json

import pytest
from conftest import FIXTURES, failing_ids, run_cli


def results(tmp_path, name="baseline", *extra):
    done = run_cli("plan", str(FIXTURES / f"{name}.json"), "--format", "json", *extra, cwd=tmp_path)
    return done, json.loads(done.stdout) if done.stdout else None


def test_thresholds_from_accountguard_toml(tmp_path):
    (tmp_path / "accountguard.toml").write_text("[thresholds]\npassword_min_length = 20\n")
    done, report = results(tmp_path)
    assert failing_ids(report) == {"AG_PWD_1"}
    assert "minimum length is 16 (needs >= 20)" in json.dumps(report)


def test_managed_elsewhere_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.accountguard.managed_elsewhere]\nAG_TRAIL_1 = "organization trail in the management account"\n'
        'AG_TRAIL_2 = "organization trail"\nAG_TRAIL_3 = "organization trail"\nAG_TRAIL_4 = "organization trail"\n'
        'AG_MON_1 = "alarms live in the security account"\n')
    done, report = results(tmp_path, "no-trail")
    assert done.returncode == 0 and failing_ids(report) == set()
    trail_1 = [r for r in report["results"] if r["control"] == "AG_TRAIL_1"]
    assert trail_1 == [{"control": "AG_TRAIL_1", "status": "not_applicable", "subject": "account",
                        "message": "managed elsewhere: organization trail in the management account",
                        "regression": False, "preexisting": False, "changes": []}]


def test_config_option_wins_over_working_directory(tmp_path):
    (tmp_path / "accountguard.toml").write_text("[thresholds]\npassword_min_length = 20\n")
    other = tmp_path / "other.toml"
    other.write_text("[thresholds]\npassword_min_length = 8\n")
    done, report = results(tmp_path, "weak-password-policy", "--config", str(other))
    assert "minimum length" not in json.dumps(report)  # 8 is enough now; symbols still missing
    assert failing_ids(report) == {"AG_PWD_1"}


@pytest.mark.parametrize("text, words", [
    ("[thresholds]\npassword_min_lenght = 20\n", "unknown threshold 'password_min_lenght'"),
    ("[thresholds]\npassword_min_length = \"20\"\n", "must be a whole number"),
    ("[managed_elsewhere]\nAG_NOPE_1 = \"x\"\n", "unknown control 'AG_NOPE_1'"),
    ("[managed_elsewhere]\nAG_DET_1 = \"\"\n", "needs a reason"),
    ("[fail_safe]\nx = 1\n", "unknown setting 'fail_safe'"),
    ('fail_on = "everything"\n', 'fail_on must be "failures" or "regressions"'),
    ('fail_on_warnings = "yes"\n', "fail_on_warnings must be true or false"),
    ("thresholds = [\n", "not valid TOML"),
])
def test_malformed_configuration_is_a_usage_error(tmp_path, text, words):
    (tmp_path / "accountguard.toml").write_text(text)
    done, _ = results(tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and words in done.stderr


def test_missing_config_file_is_a_usage_error(tmp_path):
    done, _ = results(tmp_path, "baseline", "--config", str(tmp_path / "nope.toml"))
    assert done.returncode == 2 and "configuration file not found" in done.stderr
