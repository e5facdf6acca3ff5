"""Every example's plan fails exactly the controls examples/expected.toml names,
through every front end. Which controls fail is the report's content: the command's
entry point judges each plan in this process; what a user gets from a process (exit
0 and 1, the report on stdout, nothing on stderr) is proven by a real one below."""
import json

import pytest
import fixturegen
from conftest import EXPECTED, FIXTURES, failing_ids, run_cli

from accountguard.controls import all_controls

EXAMPLES = sorted(EXPECTED)
VERDICTS = fixturegen.verdicts()
STATUS_ORDER = ["not_applicable", "pass", "warn", "fail", "error"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_cli_fails_exactly_the_intended_controls(name, cli):
    done = cli("plan", str(FIXTURES / f"{name}.json"), "--format", "json")
    report = json.loads(done.stdout)
    assert failing_ids(report) == set(EXPECTED[name])
    assert done.returncode == (1 if EXPECTED[name] else 0)
    assert done.stderr == ""


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_adversarial_cases_get_the_verdict_aws_would_give(name, cli):
    entry = fixturegen.expectations()[name]
    assert entry.get("why", "").strip(), f"{name}: say why AWS gives this verdict"
    report = json.loads(cli("plan", str(FIXTURES / f"{name}.json"), "--format", "json").stdout)
    worst = {}
    for result in report["results"]:
        found = worst.get(result["control"], "pass")
        worst[result["control"]] = max(found, result["status"], key=STATUS_ORDER.index)
    assert {c: s for c, s in worst.items() if s in ("fail", "error")} == VERDICTS[name]


def test_json_report_has_a_result_for_every_control():
    """A real process: exit 0 when every control passes, the report alone on stdout."""
    done = run_cli("plan", str(FIXTURES / "baseline.json"), "--format", "json")
    assert (done.returncode, done.stderr) == (0, "")
    report = json.loads(done.stdout)
    assert report["source"].endswith("baseline.json")
    by_control = {}
    for result in report["results"]:
        assert set(result) >= {"control", "status", "subject", "message"}
        by_control.setdefault(result["control"], set()).add(result["status"])
    assert set(by_control) == {c.id for c in all_controls()}
    live_only = {c.id for c in all_controls() if "P" not in c.modes}
    assert live_only and all(by_control[i] == {"not_applicable"} for i in live_only)


def test_text_report_lists_every_control_then_what_to_fix():
    """A real process: exit 1 when a control fails, the report on stdout."""
    done = run_cli("plan", str(FIXTURES / "trail-single-region.json"))
    assert (done.returncode, done.stderr) == (1, "")
    lines = done.stdout.splitlines()
    for control in all_controls():
        assert any(control.id in line and control.title in line for line in lines)
    failure = done.stdout.split("What to fix:")[1]
    assert "FAIL module.trail.aws_cloudtrail.this: trail is not multi-region" in failure
    assert "Why: " in failure and "is_multi_region_trail         = true" in failure
    assert "2 failed, 0 errors, 11 passed, 6 not applicable" in done.stdout  # AG_TRAIL_1 and AG_MON_1


def test_pytest_fails_exactly_the_intended_controls(pytester):
    args = [arg for name in EXAMPLES for arg in ("--plan", str(FIXTURES / f"{name}.json"))]
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", *args)
    failed = set()
    for report in result.reprec.getreports("pytest_runtest_logreport"):
        if report.when == "call" and report.failed:
            plan, control = report.nodeid.split("[")[1].rstrip("]").rsplit("-", 1)
            failed.add((plan.removesuffix(".json"), control))
            assert str(report.longrepr).startswith(control)
    assert failed == {(name, c) for name in EXAMPLES for c in EXPECTED[name]}
    live_only = [c for c in all_controls() if "P" not in c.modes]
    result.assert_outcomes(failed=len(failed), skipped=len(live_only) * len(EXAMPLES),
                           passed=(len(all_controls()) - len(live_only)) * len(EXAMPLES) - len(failed))


def test_pytest_failure_names_every_offending_subject(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_MFA_2",
                                          "--plan", str(FIXTURES / "naive-account.json"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["AG_MFA_2 Every IAM user is subject to an MFA-enforcing policy*",
                                 "  FAIL aws_iam_user.admin: user admin is not subject*", "  Why: *"])


def test_users_write_their_own_policy_tests_with_the_inventory_fixture(pytester):
    pytester.makepyfile(test_own="""
        def test_every_user_has_force_destroy(inventory):
            users = inventory.of_type("aws_iam_user")
            assert users
            assert all(u.get("force_destroy") for u in users), [u.address for u in users]
    """)
    result = pytester.runpytest_inprocess("--plan", str(FIXTURES / "baseline.json"),
                                          "--plan", str(FIXTURES / "naive-account.json"))
    result.assert_outcomes(passed=0, failed=2)  # auditor (baseline) and admin lack force_destroy
    result.stdout.fnmatch_lines(["*test_own.py::test_every_user_has_force_destroy?baseline.json?*"])


def test_policy_tests_without_a_plan_are_a_usage_error_not_skipped(pytester):
    """A CI job that lost its --plan must not stay green with "no tests ran"."""
    result = pytester.runpytest_inprocess("--pyargs", "accountguard")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if "accountguard" in line] == [
        "ERROR: accountguard: test_policies.py::test_control judges a plan, but none was given: "
        "add --plan PLAN.json or --tf-dir DIR (for the live tests: -m live)"]


def test_an_own_policy_test_without_a_plan_is_a_usage_error(pytester):
    pytester.makepyfile(test_own="def test_users(inventory):\n    assert inventory.of_type('aws_iam_user')\n")
    result = pytester.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: accountguard: test_own.py::test_users judges a plan, but none was given*"])


def test_a_project_with_its_own_inventory_fixture_is_left_alone(pytester):
    pytester.makeconftest("import pytest\n\n@pytest.fixture\ndef inventory():\n    return ['web-1']\n")
    pytester.makepyfile(test_hosts="def test_hosts(inventory):\n    assert inventory == ['web-1']\n")
    pytester.runpytest_inprocess().assert_outcomes(passed=1)


def test_plugin_ignores_configuration_when_not_asked_to_judge(pytester):
    pytester.makefile(".toml", accountguard="[thresholds]\nnot_a_threshold = 1\n")
    pytester.makepyfile(test_other="def test_unrelated():\n    assert True\n")
    pytester.runpytest_inprocess().assert_outcomes(passed=1)
    result = pytester.runpytest_inprocess("--plan", str(FIXTURES / "baseline.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: accountguard: *unknown threshold 'not_a_threshold'*"])


def test_bad_plan_stops_pytest_with_one_line(pytester, tmp_path):
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "--plan", str(tmp_path / "missing.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: accountguard: *missing.json: no such file"])
