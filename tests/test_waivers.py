"""Waivers: a known exception, with a reason and an expiry date, stops failing the
run and shows as waived in every report; expired, it fails and says so; stale, the
report says so; it never hides an error."""
import json

import pytest
from conftest import FIXTURES, run_cli

from accountguard.config import ConfigError, load_config
from accountguard.controls import all_controls

KEY = "fixtures/admin-access-key.json"  # AG_KEY_1 fails for aws_iam_access_key.deploy
ROOT = FIXTURES.parent


def waiver(control="AG_KEY_1", subject="aws_iam_access_key.de*", expires="2099-03-31", **extra):
    lines = ["[[waivers]]", f'control = "{control}"', f'subject = "{subject}"',
             'reason = "legacy deployer, replaced by OIDC in SEC-123"', f"expires = {expires}"]
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def judge(tmp_path, config, *args, source=KEY):
    path = tmp_path / "accountguard.toml"
    path.write_text(config)
    return run_cli("plan", str(ROOT / source), "--config", str(path), *args)


def test_a_waived_failure_does_not_fail_the_run_and_says_why(tmp_path):
    done = judge(tmp_path, waiver(owner="platform-team"))
    assert done.returncode == 0, done.stdout
    assert "WAIVED AG_KEY_1" in done.stdout
    assert "legacy deployer, replaced by OIDC in SEC-123 (until 2099-03-31, owner platform-team)" in done.stdout
    assert done.stdout.rstrip().endswith("1 waived")
    (result,) = [r for r in json.loads(judge(tmp_path, waiver(), "--format", "json").stdout)["results"]
                 if r["control"] == "AG_KEY_1" and r["status"] == "fail"]
    assert result["status"] == "fail"
    assert result["waived"] == {"control": "AG_KEY_1", "subject": "aws_iam_access_key.de*",
                                "reason": "legacy deployer, replaced by OIDC in SEC-123", "expires": "2099-03-31"}


def test_every_report_format_shows_the_waiver(tmp_path):
    sarif = json.loads(judge(tmp_path, waiver(), "--format", "sarif").stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AG_KEY_1"]
    assert result["suppressions"][0]["status"] == "accepted"
    assert "SEC-123" in result["suppressions"][0]["justification"]
    markdown = judge(tmp_path, waiver(), "--format", "markdown").stdout
    assert "#### Waived" in markdown and "SEC\\-123" in markdown and "What to fix" not in markdown
    junit = judge(tmp_path, waiver(), "--format", "junit").stdout
    assert 'skipped message="waived: legacy deployer' in junit and "<failure" not in junit


def test_an_expired_waiver_fails_and_says_so(tmp_path):
    done = judge(tmp_path, waiver(expires="2020-01-31"))
    assert done.returncode == 1
    assert "waiver expired on 2020-01-31: legacy deployer" in done.stdout
    assert "WAIVED" not in done.stdout


def test_a_waiver_that_matches_nothing_is_reported_stale(tmp_path):
    done = judge(tmp_path, waiver(subject="aws_iam_access_key.gone"))
    assert done.returncode == 1
    assert "stale waiver: AG_KEY_1 'aws_iam_access_key.gone' matches no finding" in done.stdout
    report = json.loads(judge(tmp_path, waiver(control="AG_TRAIL_1"), "--format", "json", source="fixtures/baseline.json").stdout)
    assert any(n.startswith("stale waiver: AG_TRAIL_1") for n in report["notes"])


def test_a_waiver_never_hides_an_error(tmp_path, plan_json):
    plan = plan_json("baseline")  # a real plan whose trail's logging becomes known only after apply
    (trail,) = [c for c in plan["resource_changes"] if c["type"] == "aws_cloudtrail"]
    trail["change"]["after"].pop("enable_logging")
    trail["change"]["after_unknown"]["enable_logging"] = True
    source = tmp_path / "unknown-logging.json"
    source.write_text(json.dumps(plan))
    done = judge(tmp_path, waiver(control="AG_TRAIL_1", subject="*"), "--format", "json", source=source)
    assert done.returncode == 1
    (error,) = [r for r in json.loads(done.stdout)["results"] if r["control"] == "AG_TRAIL_1"]
    assert error["status"] == "error" and "waived" not in error
    assert "a waiver cannot hide an error" in error["message"]


def test_pytest_shows_a_waived_control_as_xfail_with_the_reason(pytester, tmp_path):
    path = tmp_path / "accountguard.toml"
    path.write_text(waiver())
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_KEY_1", "-rx",
                                          "--plan", str(FIXTURES / "admin-access-key.json"),
                                          "--accountguard-config", str(path))
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*waived: aws_iam_access_key.deploy: legacy deployer*"])


@pytest.mark.parametrize("config, words", [
    (waiver(expires='"2027-03-31"'), "'expires' is required, as a date"),
    (waiver(expires="2027-03-31T10:00:00"), "'expires' is required, as a date"),
    ("[[waivers]]\ncontrol = \"AG_KEY_1\"\nsubject = \"x\"\nreason = \"r\"\n", "'expires' is required"),
    (waiver(control="AG_NOPE_1"), "'control' must name a control"),
    (waiver() + 'color = "red"\n', "unknown key 'color'"),
    ('waivers = "all"\n', "'waivers' must be an array of tables"),
    (waiver().replace('reason = "legacy deployer, replaced by OIDC in SEC-123"', 'reason = " "'),
     "'reason' is required"),
])
def test_a_waiver_that_cannot_be_used_is_a_usage_error(tmp_path, config, words):
    path = tmp_path / "accountguard.toml"
    path.write_text(config)
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        load_config(path, {c.id for c in all_controls()})
    done = run_cli("plan", str(ROOT / KEY), "--config", str(path))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and done.stdout == ""


def test_pytest_fails_a_control_whose_waiver_expired(pytester, tmp_path):
    path = tmp_path / "accountguard.toml"
    path.write_text(waiver(expires="2020-01-31"))
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_KEY_1 or AG_TRAIL_1",
                                          "--plan", str(FIXTURES / "admin-access-key.json"),
                                          "--accountguard-config", str(path))
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*waiver expired on 2020-01-31: legacy deployer*"])


def test_pytest_warns_of_a_waiver_that_matches_nothing(pytester, tmp_path):
    path = tmp_path / "accountguard.toml"
    path.write_text(waiver(subject="aws_iam_access_key.gone"))  # admin-access-key's key is .deploy
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_KEY_1 or AG_TRAIL_1",
                                          "--plan", str(FIXTURES / "admin-access-key.json"),
                                          "--accountguard-config", str(path))
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*StaleWaiverWarning: stale waiver: AG_KEY_1 'aws_iam_access_key.gone' "
                                 "matches no finding*"])
