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
    trail_1 = [{k: v for k, v in r.items() if k not in ("title", "severity", "compliance")}
               for r in report["results"] if r["control"] == "AG_TRAIL_1"]
    assert trail_1 == [{"control": "AG_TRAIL_1", "status": "not_applicable", "subject": "account",
                        "message": "managed elsewhere: organization trail in the management account",
                        "regression": False, "preexisting": False, "changes": []}]


def test_config_option_wins_over_working_directory(tmp_path):
    (tmp_path / "accountguard.toml").write_text("[thresholds]\npassword_min_length = 20\n")
    other = tmp_path / "other.toml"
    other.write_text('allow_weaker_thresholds = ["password_min_length"]\n[thresholds]\npassword_min_length = 8\n')
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
    ("thresholds = 5\n", "'thresholds' must be a table"),
    ('allow_weaker_thresholds = "password_min_length"\n', "must be a list of threshold names"),
    ('allow_weaker_thresholds = ["password_min_lenght"]\n', "unknown threshold 'password_min_lenght'"),
    # AWS: MinimumPasswordLength 6..128, PasswordReusePrevention 1..24 (IAM API reference,
    # UpdateAccountPasswordPolicy): a higher threshold fails every account, however strict.
    ("[thresholds]\npassword_min_length = 129\n", "can never be met (AWS allows at most 128)"),
    ("[thresholds]\npassword_reuse_prevention = 25\n", "can never be met (AWS allows at most 24)"),
])
def test_malformed_configuration_is_a_usage_error(tmp_path, text, words):
    (tmp_path / "accountguard.toml").write_text(text)
    done, _ = results(tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and words in done.stderr


def test_missing_config_file_is_a_usage_error(tmp_path):
    done, _ = results(tmp_path, "baseline", "--config", str(tmp_path / "nope.toml"))
    assert done.returncode == 2 and "configuration file not found" in done.stderr


@pytest.mark.parametrize("name, text, words", [
    ("pyproject.toml", 'tool = "x"\n', "'tool' must be a table, not a string"),
    ("pyproject.toml", "[tool]\naccountguard = 5\n", "configuration must be a table, not a number"),
    ("pyproject.toml", "[tool]\naccountguard = [1]\n", "configuration must be a table, not an array"),
    ("pyproject.toml", "[tool.accountguard]\nmanaged_elsewhere = \"all\"\n", "'managed_elsewhere' must be a table"),
    ("accountguard.toml", "managed_elsewhere = [\"AG_DET_1\"]\n", "'managed_elsewhere' must be a table"),
])
def test_a_configuration_of_the_wrong_shape_is_one_line(tmp_path, name, text, words):
    (tmp_path / name).write_text(text)
    for extra in ((), ("--config", str(tmp_path / name))):
        done, _ = results(tmp_path, "baseline", *extra)
        assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
        assert len(done.stderr.splitlines()) == 1 and words in done.stderr, done.stderr


# The catalogue's values (CIS AWS Foundations Benchmark): password length >= 14 (1.8), reuse
# prevention 24 (1.9), keys rotated within 90 days (1.14), unused keys disabled after 45 (1.12);
# the root user unused for 30 days (AG_ROOT_4). Any weaker value is refused unless named.
WEAKER = {"password_min_length": 0, "password_reuse_prevention": 5, "root_unused_days": 1,
          "key_max_age_days": 3650, "key_max_unused_days": 365}


@pytest.mark.parametrize("name", sorted(WEAKER))
def test_a_threshold_weaker_than_the_catalogue_is_refused(tmp_path, name):
    (tmp_path / "accountguard.toml").write_text(f"[thresholds]\n{name} = {WEAKER[name]}\n")
    done, _ = results(tmp_path)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert f"threshold '{name}' = {WEAKER[name]} is weaker than the catalogue's" in done.stderr
    assert f"add '{name}' to allow_weaker_thresholds" in done.stderr


def test_a_weaker_threshold_named_explicitly_is_used_and_shown(tmp_path):
    (tmp_path / "accountguard.toml").write_text(
        'allow_weaker_thresholds = ["password_min_length"]\n[thresholds]\npassword_min_length = 8\n'
        "key_max_age_days = 30\n")
    done, report = results(tmp_path)
    assert done.returncode == 0
    assert report["configuration"]["thresholds_changed"] == {
        "password_min_length": {"value": 8, "catalogue": 14, "weaker": True, "control": "AG_PWD_1"},
        "key_max_age_days": {"value": 30, "catalogue": 90, "weaker": False, "control": "AG_KEY_2"}}
    pwd = [r for r in report["results"] if r["control"] == "AG_PWD_1"]
    assert [r["status"] for r in pwd] == ["pass"] and "strong" not in pwd[0]["message"]
    assert "password_min_length = 8" in pwd[0]["message"]
    text = run_cli("plan", str(FIXTURES / "baseline.json"), cwd=tmp_path).stdout
    assert "Threshold: password_min_length = 8 (WEAKER than the catalogue's 14, AG_PWD_1)" in text
    assert "Threshold: key_max_age_days = 30 (stricter than the catalogue's 90, AG_KEY_2)" in text
    assert "AG_PWD_1    A strong account password policy exists  (with a threshold weaker than the catalogue's)" \
        in text
    assert text.rstrip().endswith("judged with 1 threshold(s) weaker than the catalogue's")


def test_a_run_with_everything_managed_elsewhere_does_not_read_as_a_clean_pass(tmp_path):
    from accountguard.controls import all_controls
    ids = [c.id for c in all_controls()]
    (tmp_path / "accountguard.toml").write_text(
        "[managed_elsewhere]\n" + "".join(f'{i} = "the security account"\n' for i in ids))
    done, report = results(tmp_path, "naive-account")
    assert done.returncode == 0  # what is declared managed elsewhere is not judged here
    assert report["configuration"]["managed_elsewhere"] == {i: "the security account" for i in ids}
    text = run_cli("plan", str(FIXTURES / "naive-account.json"), cwd=tmp_path).stdout
    for control_id in ids:
        assert f"Managed elsewhere, not judged here: {control_id}: the security account" in text
    assert text.rstrip().endswith(f"0 failed, 0 errors, 0 passed, {len(ids)} not applicable "
                                  f"({len(ids)} managed elsewhere)")


def test_the_json_report_always_names_the_configuration_in_force(tmp_path):
    _, report = results(tmp_path)
    assert report["configuration"] == {
        "file": None, "fail_on": "failures", "fail_on_warnings": False, "thresholds_changed": {},
        "managed_elsewhere": {}, "waivers": [],
        "thresholds": {"password_min_length": 14, "password_reuse_prevention": 24,
                       "root_unused_days": 30, "key_max_age_days": 90,
                       "key_max_unused_days": 45}}
