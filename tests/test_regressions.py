"""Plans that change an account (fixtures/changes/, from examples/changes.toml):
what each makes worse, the change that does it, warnings, and --fail-on."""
import json
import shutil

import pytest
from conftest import FIXTURES, run_cli

import fixturegen

CHANGES = fixturegen.changes()
CHANGE_FIXTURES = FIXTURES / fixturegen.CHANGES
CHANGES_MADE_WITH, CHANGE_SUMS = fixturegen.CHANGE_SUMS.read()
SECRET = "oncall-billing@example.com"  # the sensitive alert_email default in examples/


def report(name, *extra, cwd=None):
    done = run_cli("plan", str(CHANGE_FIXTURES / f"{name}.json"), "--format", "json", *extra, cwd=cwd)
    assert done.stderr == ""
    return done, json.loads(done.stdout)


def controls(found, **where):
    return {r["control"] for r in found["results"] if all(r[k] == v for k, v in where.items())}


def changes_named(found, control):
    return [c for r in found["results"] if r["control"] == control and r["regression"] for c in r["changes"]]


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_change_reports_exactly_what_it_intends(name):
    intended = CHANGES[name]
    done, found = report(name)
    assert controls(found, regression=True) == set(intended.get("regressions", []))
    assert controls(found, status="warn") == set(intended.get("warnings", []))
    assert controls(found, preexisting=True) == set(intended.get("preexisting", []))
    failing = controls(found, status="fail") | controls(found, status="error")
    assert failing == set(intended.get("regressions", [])) | set(intended.get("preexisting", []))
    assert done.returncode == (1 if failing else 0)
    assert SECRET not in done.stdout
    for result in found["results"]:
        assert bool(result["changes"]) == (result["regression"] or result["status"] == "warn")


@pytest.mark.parametrize("name, control, named", [
    ("trail-logging-off", "AG_TRAIL_1", ["module.trail.aws_cloudtrail.this: enable_logging true -> false"]),
    ("trail-single-region", "AG_TRAIL_1", ["module.trail.aws_cloudtrail.this: is_multi_region_trail true -> false"]),
    ("trail-deleted", "AG_TRAIL_1", ["module.trail.aws_cloudtrail.this: destroyed"]),
    ("mfa-policy-detached", "AG_MFA_2",
     ["module.mfa.aws_iam_group_policy_attachment.require_mfa[0]: destroyed"] * 3),  # one per user
    ("user-outside-mfa-group", "AG_MFA_2", ["aws_iam_user.contractor: created"]),
    ("password-policy-weakened", "AG_PWD_1",
     ["aws_iam_account_password_policy.strict: minimum_password_length 16 -> 8, require_symbols true -> false"]),
    ("password-policy-deleted", "AG_PWD_1", ["aws_iam_account_password_policy.strict: destroyed"]),
    ("billing-subscription-removed", "AG_BILL_1",
     ["module.billing_alarm.aws_sns_topic_subscription.email[0]: destroyed"]),
    ("guardduty-disabled", "AG_DET_1", ["aws_guardduty_detector.this: enable true -> false"]),
    # either undoing the key or the write permission clears it: both are named
    ("admin-access-key", "AG_KEY_1", ["aws_iam_access_key.deploy: created", "aws_iam_user_policy.deploy: created"]),
    # Terraform applies `moved` blocks to the prior state before planning: the old values are at the new address
    ("password-policy-moved-and-weakened", "AG_PWD_1",
     ["aws_iam_account_password_policy.account: minimum_password_length 16 -> 8, require_symbols true -> false"]),
    # a weak trail deleted: "there is no trail" did not fail before, the trail did
    ("weak-trail-deleted", "AG_TRAIL_1", ["module.trail.aws_cloudtrail.this: destroyed"]),
    # a custom policy replaces AWS's default one (8 characters, three of four classes), so a weak
    # one is no better than none:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
    ("password-policy-created-weak", "AG_PWD_1", ["aws_iam_account_password_policy.strict: created"]),
    # failing before (single-region), weakened further (logging off): the change makes it worse
    ("failing-trail-logging-off", "AG_TRAIL_1", ["module.trail.aws_cloudtrail.this: enable_logging true -> false"]),
])
def test_a_regression_names_the_change_that_causes_it(name, control, named):
    _, found = report(name)
    assert changes_named(found, control) == named


def test_a_regression_that_needs_several_changes_names_a_minimal_set():
    _, found = report("billing-alarm-deleted")
    named = changes_named(found, "AG_BILL_1")
    assert "module.billing_alarm.aws_cloudwatch_metric_alarm.estimated_charges: destroyed" in named
    assert "aws_accessanalyzer_analyzer.account: created" not in named


@pytest.mark.parametrize("name, control, warning", [
    ("password-shortened", "AG_PWD_1", "aws_iam_account_password_policy.strict: minimum_password_length 16 -> 14"),
    ("second-trail-deleted", "AG_TRAIL_1", "module.team_trail.aws_cloudtrail.this: destroyed"),
    ("billing-threshold-raised", "AG_BILL_1",
     "module.billing_alarm.aws_cloudwatch_metric_alarm.estimated_charges: threshold 100 -> 1000 (replaced)"),
])
def test_weakening_that_still_passes_is_a_warning(name, control, warning, tmp_path):
    done, found = report(name)
    warned = [r for r in found["results"] if r["status"] == "warn"]
    assert [(r["control"], r["changes"]) for r in warned] == [(control, [warning])]
    assert done.returncode == 0
    (tmp_path / "accountguard.toml").write_text("fail_on_warnings = true\n")
    assert report(name, cwd=tmp_path)[0].returncode == 1


def test_fail_on_regressions_lets_old_failures_through_and_says_so():
    done, found = report("weak-account-unchanged", "--fail-on", "regressions")
    assert done.returncode == 0 and controls(found, status="fail") == {"AG_PWD_1"}
    text = run_cli("plan", str(CHANGE_FIXTURES / "weak-account-unchanged.json"), "--fail-on", "regressions")
    assert text.returncode == 0
    assert "FAIL   AG_PWD_1    A strong account password policy exists  (already failing before this change)" \
        in text.stdout
    assert "    already failing before this change\n" in text.stdout
    assert report("weak-account-unchanged")[0].returncode == 1  # the default: every failure fails


@pytest.mark.parametrize("name", ["weak-trail-deleted", "password-policy-created-weak", "failing-trail-logging-off"])
def test_fail_on_regressions_fails_a_failure_made_worse_behind_an_old_one(name):
    done, found = report(name, "--fail-on", "regressions")
    assert done.returncode == 1 and controls(found, regression=True) == set(CHANGES[name]["regressions"])


def test_fail_on_regressions_still_fails_what_the_change_makes_worse():
    done = run_cli("plan", str(CHANGE_FIXTURES / "trail-logging-off.json"), "--fail-on", "regressions")
    assert done.returncode == 1
    assert ("  FAIL module.trail.aws_cloudtrail.this: trail has logging turned off\n"
            "    weakened by this change: module.trail.aws_cloudtrail.this: enable_logging true -> false\n") \
        in done.stdout
    assert "(2 weakened by this change, 0 already failing before this change)" in done.stdout  # and AG_MON_1


def test_a_new_account_is_judged_in_full_with_fail_on_regressions(tmp_path):
    done = run_cli("plan", str(FIXTURES / "weak-password-policy.json"), "--fail-on", "regressions")
    assert done.returncode == 1  # no prior state: nothing was there before, everything counts
    (tmp_path / "accountguard.toml").write_text('fail_on = "regressions"\n')
    done = run_cli("plan", str(CHANGE_FIXTURES / "weak-account-unchanged.json"), cwd=tmp_path)
    assert done.returncode == 0


def test_fail_on_is_checked():
    done = run_cli("plan", str(CHANGE_FIXTURES / "no-change.json"), "--fail-on", "warnings")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "--fail-on" in done.stderr


def test_pytest_says_weakened_xfails_old_failures_and_warns(pytester):
    plans = [arg for name in ("trail-logging-off", "weak-account-unchanged", "password-shortened")
             for arg in ("--plan", str(CHANGE_FIXTURES / f"{name}.json"))]
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "--fail-on", "regressions", *plans)
    outcomes = {}
    for rep in result.reprec.getreports("pytest_runtest_logreport"):
        if rep.when == "call" or rep.skipped:
            outcomes[rep.nodeid.split("[")[1].rstrip("]")] = (rep.outcome, str(rep.longrepr),
                                                              getattr(rep, "wasxfail", ""))
    assert outcomes["trail-logging-off.json-AG_TRAIL_1"][0] == "failed"
    assert "weakened by this change: module.trail.aws_cloudtrail.this: enable_logging true -> false" \
        in outcomes["trail-logging-off.json-AG_TRAIL_1"][1]
    assert outcomes["weak-account-unchanged.json-AG_PWD_1"][0] == "skipped"
    assert outcomes["weak-account-unchanged.json-AG_PWD_1"][2].startswith("already failing before this change")
    assert sorted(k for k, v in outcomes.items() if v[0] == "failed") == \
        ["trail-logging-off.json-AG_MON_1", "trail-logging-off.json-AG_TRAIL_1"]  # the alarms it fed, too
    result.stdout.fnmatch_lines(["*WeakenedWarning: AG_PWD_1 weaker, still passing: "
                                 "aws_iam_account_password_policy.strict: minimum_password_length 16 -> 14"])


def test_pytest_fails_old_failures_by_default(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_PWD_1",
                                          "--plan", str(CHANGE_FIXTURES / "weak-account-unchanged.json"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*already failing before this change"])


def test_every_change_has_a_fixture():
    assert {p.stem for p in CHANGE_FIXTURES.glob("*.json")} == set(CHANGES)
    for change in CHANGES.values():
        assert {change["from"], change["to"]} <= {p.name for p in fixturegen.EXAMPLES.iterdir()}


def replanned(name: str) -> bool:
    """A quarter of the change plans (those whose inputs' digest starts with 0 to 3), or all of
    them with another toolchain than the sums name: as tests/test_fixtures_fresh.py samples the
    examples' plans, with a larger share of fewer plans."""
    return CHANGE_SUMS.get(name, ("",))[0][:1] in "0123" or CHANGES_MADE_WITH != fixturegen.change_toolchain()


@pytest.mark.terraform
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_committed_change_fixture_is_held_to_its_sums(name):
    """A changed example, change entry or origin plan is a stale change plan; one edited by hand is no plan."""
    if CHANGES_MADE_WITH == fixturegen.change_toolchain():
        assert name in CHANGE_SUMS, f"{name} has no line in fixtures/changes/SHA256SUMS: run `make fixtures`"
        assert CHANGE_SUMS[name][0] == fixturegen.change_inputs_digest(name), \
            f"stale change fixture, what {name} is made from changed since: run `make fixtures`"
        assert CHANGE_SUMS[name][1] == fixturegen.file_digest(CHANGE_FIXTURES / f"{name}.json"), \
            f"{name}.json is not the plan `make fixtures` wrote"


def replanned_origins() -> list[str]:
    """The `from` examples of the sampled changes (all, without Terraform: conftest fails or skips their tests)."""
    by_origin = fixturegen.changes_by_origin()
    if shutil.which("terraform") is None:
        return sorted(by_origin)
    return sorted(origin for origin, named in by_origin.items() if any(map(replanned, named)))


@pytest.mark.terraform
@pytest.mark.parametrize("origin", replanned_origins())  # one account each: spread by xdist
def test_committed_change_fixtures_match_a_fresh_apply_and_plan(origin, tmp_path):
    """The sampled changes of `origin` planned again. moto hands out fresh IDs on every apply,
    so a change plan is compared by what it changes, its configuration and what accountguard
    makes of it."""
    sampled = [name for name in fixturegen.changes_by_origin()[origin] if replanned(name)]
    assert sampled
    fixturegen.generate_changes(tmp_path, sampled)
    stale = [name for name in sampled
             if fixturegen.change_summary(tmp_path / fixturegen.CHANGES / f"{name}.json")
             != fixturegen.change_summary(CHANGE_FIXTURES / f"{name}.json")]
    assert not stale, f"stale change fixtures, run `make fixtures`: {stale}"


@pytest.mark.terraform
def test_a_fair_share_of_the_changes_is_planned_again():
    """Enough to catch what changes every change plan (the toolchain, moto, fixturegen)."""
    assert sum(map(replanned, CHANGES)) >= len(CHANGES) // 16
