"""The account after a plan is applied, for every action a plan can carry: what it
forgets stays (Terraform lets go, AWS keeps it), what an incomplete (-target) plan
leaves alone stays as the state has it, and references through locals, which plan
JSON does not record, are followed from the configuration's directory."""
import json
import shutil

import pytest
from conftest import FIXTURES, run_cli

import fixturegen
from accountguard.sources.plan import load_plan

CHANGES = FIXTURES / fixturegen.CHANGES
LOCALS = fixturegen.ROOT / "tests" / "configs" / "alerts-through-locals"


def report(path, *extra):
    done = run_cli("plan", str(path), "--format", "json", *extra)
    assert done.stderr == ""
    return done, json.loads(done.stdout)


def results(found, control):
    return [r for r in found["results"] if r["control"] == control]


def actions(name):
    plan = json.loads((CHANGES / f"{name}.json").read_text())
    return {c["address"]: c["change"]["actions"] for c in plan.get("resource_changes", ())}, plan


def test_a_forgotten_key_stays_in_the_account_and_is_judged():
    # `removed { lifecycle { destroy = false } }`: "Terraform will remove the resource from
    # state but will not destroy it" (https://developer.hashicorp.com/terraform/language/block/removed)
    planned, _ = actions("key-forgotten")
    assert planned["aws_iam_access_key.deploy"] == ["forget"]
    done, found = report(CHANGES / "key-forgotten.json", "--fail-on", "regressions")
    key, = (r for r in results(found, "AG_KEY_1") if r["subject"] == "aws_iam_access_key.deploy")
    assert (key["status"], key["preexisting"]) == ("fail", True)
    assert "user deploy, who can change the account" in key["message"]
    assert found["notes"] == ["removed from Terraform with destroy = false, so still in the account and judged "
                              "as the prior state has it: aws_iam_access_key.deploy"]
    assert done.returncode == 0  # it was there before the change: preexisting
    assert run_cli("plan", str(CHANGES / "key-forgotten.json")).returncode == 1


def test_a_forgotten_resource_keeps_its_values_and_region_and_is_no_change():
    inventory = load_plan(CHANGES / "guardduty-forgotten.json")
    detector = inventory.at("aws_guardduty_detector.this")
    assert detector.values["enable"] is True and detector.region == "eu-west-1"  # from its ARN in the state
    assert "aws_guardduty_detector.this" not in {c.address for c in inventory.changes}
    done, found = report(CHANGES / "guardduty-forgotten.json")
    assert [(r["status"], r["subject"]) for r in results(found, "AG_DET_1")] == \
        [("pass", "aws_guardduty_detector.this")]
    assert done.returncode == 0


def test_a_targeted_plan_leaves_everything_else_as_it_is():
    # -target: "Terraform ... will only plan changes for the given resources and their
    # dependencies" (https://developer.hashicorp.com/terraform/cli/commands/plan#resource-targeting)
    planned, plan = actions("password-policy-weakened-targeted")
    assert plan["complete"] is False and list(planned) == ["aws_iam_account_password_policy.strict"]
    inventory = load_plan(CHANGES / "password-policy-weakened-targeted.json")
    assert inventory.at("module.trail.aws_cloudtrail.this").values["enable_logging"] is True
    assert [c.address for c in inventory.changes] == ["aws_iam_account_password_policy.strict"]
    done, found = report(CHANGES / "password-policy-weakened-targeted.json", "--fail-on", "regressions")
    note, = found["notes"]
    assert note.startswith('this plan is incomplete ("complete": false; made with -target')
    assert "the 36 resources it leaves alone are judged as the prior state has them" in note
    regressions = [(r["control"], r["changes"]) for r in found["results"] if r["regression"]]
    untargeted = report(CHANGES / "password-policy-weakened.json")[1]
    assert regressions == [(r["control"], r["changes"]) for r in untargeted["results"] if r["regression"]]
    assert done.returncode == 1
    text = run_cli("plan", str(CHANGES / "password-policy-weakened-targeted.json")).stdout
    assert text.splitlines()[2].startswith('Note: this plan is incomplete ("complete": false')


def test_a_refresh_only_plan_changes_nothing():
    # -refresh-only: "Terraform ... will not propose any actions to change remote objects"
    # (https://developer.hashicorp.com/terraform/cli/commands/plan#planning-modes)
    _, plan = actions("refresh-only")
    assert "resource_changes" not in plan and plan["prior_state"]
    done, found = report(CHANGES / "refresh-only.json", "--fail-on", "regressions")
    assert not [r for r in found["results"] if r["regression"] or r["status"] == "warn"]
    assert done.returncode == 0


def test_a_complete_plan_says_nothing_about_targets():
    assert "notes" not in report(CHANGES / "password-policy-weakened.json")[1]


@pytest.fixture(scope="module")
def locals_plan(tmp_path_factory):
    """The plan of a configuration that passes its topic through locals, made by Terraform."""
    directory = tmp_path_factory.mktemp("locals") / LOCALS.name
    shutil.copytree(LOCALS, directory, ignore=shutil.ignore_patterns(".terraform*"))
    return fixturegen.plan_directory(directory, directory.parent / "plan.json"), directory


@pytest.mark.terraform
def test_a_reference_through_a_local_says_so_without_the_directory(locals_plan):
    plan, _ = locals_plan
    done, found = report(plan)
    billing, = results(found, "AG_BILL_1")
    assert billing["status"] == "error" and done.returncode == 1
    assert "alarm_actions is known only after apply and is set through local.billing_topic, which a plan does " \
           "not record: give the configuration's directory with --tf-dir to follow it" in billing["message"]
    assert "refers to nothing this source can see" not in billing["message"]


@pytest.mark.terraform
def test_a_reference_through_a_local_is_followed_with_the_directory(locals_plan):
    # The alarm acts on the topic an e-mail address is subscribed to, through local.billing_topic
    # at the root and var.topic_arn in the module: Terraform evaluates both to the topic's ARN.
    plan, directory = locals_plan
    _, found = report(plan, "--tf-dir", str(directory))
    assert [r["status"] for r in results(found, "AG_BILL_1")] == ["pass"]
    hcl = json.loads(run_cli("hcl", str(directory), "--format", "json").stdout)
    assert [r["status"] for r in results(hcl, "AG_BILL_1")] == ["pass"]


@pytest.mark.terraform
def test_a_directory_that_is_not_the_plans_is_a_usage_error(locals_plan):
    plan, _ = locals_plan
    done = run_cli("plan", str(plan), "--tf-dir", str(fixturegen.EXAMPLES / "baseline"))
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert "baseline is not the configuration" in done.stderr and "aws_accessanalyzer_analyzer.account" in done.stderr


@pytest.mark.terraform
def test_a_local_the_directory_does_not_resolve_says_so(locals_plan, tmp_path):
    plan, directory = locals_plan
    shutil.copytree(directory, tmp_path / "stale", ignore=shutil.ignore_patterns(".terraform*"))
    main = tmp_path / "stale" / "main.tf"  # the local now names no resource: nothing to follow
    main.write_text(main.read_text().replace("billing_topic = aws_sns_topic.billing.arn", 'billing_topic = "x"'))
    _, found = report(plan, "--tf-dir", str(tmp_path / "stale"))
    billing, = results(found, "AG_BILL_1")
    assert billing["status"] == "error"
    assert f"through local.billing_topic, which {tmp_path / 'stale'} does not resolve to a resource either" \
        in billing["message"]


def test_a_configuration_directory_that_cannot_be_read_is_a_usage_error(tmp_path):
    done = run_cli("plan", str(FIXTURES / "baseline.json"), "--tf-dir", str(tmp_path / "missing"))
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert "missing: no such directory" in done.stderr


@pytest.mark.terraform
def test_pytest_plan_with_tf_dir_judges_the_plan_with_its_configuration(pytester, locals_plan):
    plan, directory = locals_plan
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_BILL_1",
                                          "--plan", str(plan), "--tf-dir", str(directory))
    result.assert_outcomes(passed=1)  # one inventory: the directory is the plan's, not judged again
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-k", "AG_BILL_1", "--plan", str(plan))
    result.assert_outcomes(failed=1)


def test_pytest_plan_with_two_tf_dirs_is_a_usage_error(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "--plan", str(FIXTURES / "baseline.json"),
                                          "--tf-dir", str(fixturegen.EXAMPLES / "baseline"),
                                          "--tf-dir", str(fixturegen.EXAMPLES / "no-trail"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: accountguard: give one --tf-dir with --plan*"])
