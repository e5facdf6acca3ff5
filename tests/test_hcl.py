"""`accountguard hcl DIR`: the same verdicts as a plan of that directory, file and
line on findings, and what cannot be seen statically reported as such."""
import json
import shutil
import textwrap

import pytest
from conftest import EXPECTED, FIXTURES, run_cli

from accountguard.cli import main
from accountguard.model import Unknown
from accountguard.sources.hcl import load_directory

EXAMPLES = FIXTURES.parent / "examples"
CONFIGS = FIXTURES.parent / "tests" / "configs"
SECRET = "oncall-billing@example.com"


def judge_json(capsys, *args):
    code = main([*args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out), out


def statuses(report):
    by_control = {}
    for result in report["results"]:
        by_control.setdefault(result["control"], set()).add(result["status"])
    return {control: max(found, key=["not_applicable", "pass", "fail", "error"].index)
            for control, found in by_control.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_same_verdicts_as_the_plan(name, capsys):
    hcl_code, hcl, hcl_text = judge_json(capsys, "hcl", str(EXAMPLES / name), "--tree", str(EXAMPLES))
    plan_code, plan, _ = judge_json(capsys, "plan", str(FIXTURES / f"{name}.json"))
    assert statuses(hcl) == statuses(plan)
    assert hcl_code == plan_code
    assert SECRET not in hcl_text


def test_findings_carry_file_and_line(capsys):
    _, report, _ = judge_json(capsys, "hcl", str(EXAMPLES / "trail-unencrypted"), "--tree", str(EXAMPLES))
    trail = next(r for r in report["results"] if r["control"] == "AG_TRAIL_3")
    module = EXAMPLES / "modules" / "cloudtrail" / "main.tf"
    assert trail["location"]["file"] == str(module)
    assert trail["location"]["line"] == module.read_text().splitlines().index('resource "aws_cloudtrail" "this" {') + 1
    key = next(r for r in judge_json(capsys, "hcl", str(EXAMPLES / "admin-access-key"), "--tree", str(EXAMPLES))[1]["results"]
               if r["control"] == "AG_KEY_1" and r["status"] == "fail")
    assert key["location"]["file"].endswith("admin-access-key/deploy.tf") and key["location"]["line"] == 33


@pytest.mark.parametrize("config, expected", [
    # locals-driven lookup, modules calling modules, dynamic blocks, count = 0; the trail writes to a
    # bucket outside the directory, whose policy cannot be seen
    ("cis-baseline-style", {"AG_PWD_1": "pass", "AG_TRAIL_1": "error", "AG_TRAIL_2": "pass", "AG_TRAIL_3": "pass",
                            "AG_TRAIL_4": "fail"}),
    # templatefile with %{for}/%{if}, heredoc, for expressions
    ("mfa-module-style", {"AG_MFA_1": "pass", "AG_MFA_2": "pass", "AG_KEY_1": "pass"}),
    # providers passed to a module, count flags, for_each subscriptions, splat, terraform.tfvars
    ("billing-module-style", {"AG_BILL_1": "pass", "AG_PWD_1": "fail"}),
    # a registry module may hold what is missing: error, not fail
    ("registry-module", {"AG_TRAIL_1": "error", "AG_PWD_1": "error", "AG_KEY_1": "error", "AG_DET_1": "pass"}),
])
def test_configurations_in_the_style_of_public_modules(config, expected, capsys):
    _, report, _ = judge_json(capsys, "hcl", str(CONFIGS / config))
    assert {c: s for c, s in statuses(report).items() if c in expected} == expected


def test_registry_module_error_says_what_cannot_be_seen(capsys):
    _, report, _ = judge_json(capsys, "hcl", str(CONFIGS / "registry-module"))
    message = next(r["message"] for r in report["results"] if r["control"] == "AG_TRAIL_1")
    assert "cloudposse/cloudtrail/aws" in message and "judge a plan" in message


def alarm_name(directory, *args):
    inventory = load_directory(directory, *args)
    alarm, = inventory.of_type("aws_cloudwatch_metric_alarm")
    return alarm.values["alarm_name"]


def test_variable_precedence(tmp_path):
    directory = tmp_path / "billing"
    shutil.copytree(CONFIGS / "billing-module-style", directory)
    assert alarm_name(directory) == "billing-over-50"  # terraform.tfvars: dev
    (directory / "prod.auto.tfvars").write_text('environment = "prod"\n')
    assert alarm_name(directory) == "billing-over-500"
    (tmp_path / "extra.tfvars").write_text('thresholds = { prod = 900, dev = 90 }\n')
    assert alarm_name(directory, [str(tmp_path / "extra.tfvars")]) == "billing-over-900"
    assert alarm_name(directory, [str(tmp_path / "extra.tfvars")], ["environment=dev"]) == "billing-over-90"
    assert alarm_name(directory, [], ["thresholds={ prod = 1, dev = 2 }"]) == "billing-over-1"


def test_variable_without_value_makes_the_verdict_an_error(tmp_path, capsys):
    directory = tmp_path / "billing"
    shutil.copytree(CONFIGS / "billing-module-style", directory)
    (directory / "terraform.tfvars").unlink()
    code, report, _ = judge_json(capsys, "hcl", str(directory), "--var", "environment=dev")
    bill = next(r for r in report["results"] if r["control"] == "AG_BILL_1")
    assert bill["status"] == "error" and "alert_emails" in bill["message"]


def write_config(tmp_path, text):
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return tmp_path


def test_expressions_evaluate_as_terraform_does(tmp_path):
    inventory = load_directory(write_config(tmp_path, '''
        locals {
          teams   = { red = 2, blue = 1 }
          names   = [for name, size in local.teams : upper(name) if size > 1]
          merged  = merge({ a = 1 }, { b = 2 }, { a = 3 })
          escaped = "literal $${aws:username} and \\"quotes\\" and \\\\"
        }
        resource "aws_sns_topic" "t" {
          for_each = local.teams
          name     = "${each.key}-${each.value * 10}"
          tags = {
            names   = join(",", local.names)
            merged  = jsonencode(local.merged)
            first   = try(local.missing, element(keys(local.teams), 0))
            picked  = lookup(local.teams, "green", 0) == 0 ? "default" : "found"
            escaped = local.escaped
            splat   = join(",", aws_sns_topic.u[*].name)
          }
        }
        resource "aws_sns_topic" "u" {
          count = length(local.teams)
          name  = format("u-%d", count.index)
          policy = <<-EOT
            {"a": "${count.index}"}
          EOT
        }
        resource "aws_sns_topic" "none" {
          count = 0
          name  = "never"
        }
    '''))
    topics = {r.address: r.values for r in inventory.of_type("aws_sns_topic")}
    assert set(topics) == {'aws_sns_topic.t["blue"]', 'aws_sns_topic.t["red"]', "aws_sns_topic.u[0]",
                           "aws_sns_topic.u[1]"}
    tags = topics['aws_sns_topic.t["red"]']["tags"]
    assert topics['aws_sns_topic.t["red"]']["name"] == "red-20"
    assert tags["names"] == "RED"
    assert json.loads(tags["merged"]) == {"a": 3, "b": 2}
    assert tags["first"] == "blue" and tags["picked"] == "default"
    assert tags["escaped"] == 'literal ${aws:username} and "quotes" and \\'
    assert tags["splat"] == "u-0,u-1"
    assert topics["aws_sns_topic.u[1]"]["policy"] == '{"a": "1"}\n'


def test_computed_attributes_are_unknown_and_remember_their_source(tmp_path):
    inventory = load_directory(write_config(tmp_path, '''
        resource "aws_sns_topic" "alerts" {
          name = "alerts"
        }
        resource "aws_sns_topic_subscription" "email" {
          topic_arn = "${aws_sns_topic.alerts.arn}"
          protocol  = "email"
          endpoint  = "ops@example.com"
        }
    '''))
    subscription, = inventory.of_type("aws_sns_topic_subscription")
    assert isinstance(subscription.values["topic_arn"], Unknown)
    assert subscription.references == {"topic_arn": ("aws_sns_topic.alerts",)}


def test_a_key_whose_count_cannot_be_known_is_not_a_vacuous_pass(tmp_path, capsys):
    write_config(tmp_path, '''
        variable "create_key" {
          type = bool
        }
        resource "aws_iam_user" "ci" {
          name = "ci"
        }
        resource "aws_iam_access_key" "ci" {
          count = var.create_key ? 1 : 0
          user  = aws_iam_user.ci.name
        }
    ''')
    _, report, _ = judge_json(capsys, "hcl", str(tmp_path))
    key = [r for r in report["results"] if r["control"] == "AG_KEY_1"]
    assert [r["status"] for r in key] == ["error"]
    assert "create_key has no value" in key[0]["message"]


def test_syntax_error_is_one_line_with_file_and_line(tmp_path):
    (tmp_path / "ok.tf").write_text('resource "aws_sns_topic" "t" {\n  name = "t"\n}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_sns_topic" "t" {\n  name = "t"\n  policy = = 1\n}\n')
    done = run_cli("hcl", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert f"{tmp_path}/broken.tf:3:12: syntax error: expected an expression" in done.stderr


@pytest.mark.parametrize("args, words", [
    (["/no/such/dir"], "no such directory"),
    ([str(FIXTURES / "baseline.json")], "not a directory"),
    ([str(FIXTURES)], "no .tf or .tf.json files"),
    ([str(EXAMPLES / "baseline"), "--tree", str(EXAMPLES), "--var", "nope=1"], "declares no variable 'nope'"),
    ([str(EXAMPLES / "baseline"), "--tree", str(EXAMPLES), "--var", "novalue"], "expected NAME=VALUE"),
    ([str(EXAMPLES / "baseline"), "--tree", str(EXAMPLES), "--var-file", "/no/file.tfvars"],
     "cannot read variable file"),
    ([str(EXAMPLES / "admin-access-key")], "alerts.tf is outside the directory being judged; not read"),
    ([str(EXAMPLES / "baseline"), "--tree", str(EXAMPLES / "iam")], "does not contain"),
])
def test_bad_input_is_a_usage_error(args, words):
    done = run_cli("hcl", *args)
    assert done.returncode == 2 and done.stdout == "" and words in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_pytest_tf_dir(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "--tf-dir", str(EXAMPLES / "no-trail"),
                                          "--tf-tree", str(EXAMPLES))
    failed = {r.nodeid.split("-")[-1].rstrip("]") for r in result.reprec.getreports("pytest_runtest_logreport")
              if r.when == "call" and r.failed}
    assert failed == set(EXPECTED["no-trail"])
