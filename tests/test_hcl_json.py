"""Terraform's JSON configuration syntax (.tf.json) read as Terraform reads it
(developer.hashicorp.com/terraform/language/syntax/json): values compared with
`terraform console` on the same file, and what Terraform rejects rejected with
one line naming the file, never its content. Whole directories in JSON syntax
are planned by Terraform in test_hcl_plan_values.py (tests/configs/baseline-json,
examples/*-json)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import terraform_console
from conftest import run_cli
from fixturegen import _environment

from accountguard.sources.hcl import Loader
from accountguard.sources.hcl.expressions import resolved, unknowns
from accountguard.sources.hcl.functions import _json_text
from accountguard.sources.hcl.sandbox import Sandbox, judging

# Each local and variable below is compared with Terraform's value of it; the comment
# says what the JSON syntax page leads one to expect (Terraform decides).
CONFIGURATION = {
    "//": "a comment at the root is ignored",
    "variable": {
        "literal": {"default": "${not.a.reference} %{ if x }", "description": "${x}"},  # default: literal JSON
        "typed": {"type": "list(number)", "default": ["1", 2]},  # type: a type expression in a string
        "flag": {"type": "bool", "default": "true"},
        "optional": {"type": "object({a = optional(string, \"d\")})", "default": {}},
        "keys": {"type": "map(string)", "default": {"${k}": "v", "//": "a key like any other"}},
    },
    "locals": [{
        "//": "a comment in a block body is ignored",
        "single": "${1 + 2}",  # one interpolation keeps its type: 3
        "mixed": "n=${1 + 2}",
        "escaped": "$${x} %%{y}",
        "escaped_brace": "$${{x}}",
        "directive": "%{ if true }yes%{ else }no%{ endif }",
        "loop": "%{ for v in [1, 2] ~} ${v} %{~ endfor }",
        "keys": {"${var.literal}": 1, "plain": "${local.single}", "//": "a key in an expression"},
        "numbers": [1e3, -0.5, 12345678901234567890, 0, 1.5e-3],
        "words": [None, True, False],
        "nested": {"a": [{"b": "${upper(\"x\")}"}]},
        "quote_inside": "${join(\",\", [\"a\", \"b\"])}",
        "object_value": "${{a = 1}}",
        "text": "\u00e9\n\t\\",
        "strip": "a  ${~ \"b\" ~}  c",
    }, {"second_block": "${local.mixed}"}],
}
VARIABLES = sorted(CONFIGURATION["variable"])
LOCALS = sorted(name for block in CONFIGURATION["locals"] for name in block if name != "//")


def ours(directory: Path) -> list[str]:
    sandbox = Sandbox(directory)
    with judging(sandbox):
        top = Loader(directory, sandbox, [], []).top
        values = [top.variable(name) for name in VARIABLES] + [top.local(name) for name in LOCALS]
    return [terraform_console.UNKNOWN if any(True for _ in unknowns(v)) else _json_text(resolved(v)) for v in values]


@pytest.mark.terraform
def test_json_values_are_terraforms(tmp_path):
    text = json.dumps(CONFIGURATION, indent=1)
    (tmp_path / "main.tf.json").write_text(text)
    theirs = terraform_console.evaluate([f"var.{n}" for n in VARIABLES] + [f"local.{n}" for n in LOCALS], text,
                                        file_name="main.tf.json")
    assert terraform_console.UNKNOWN not in theirs and terraform_console.ERROR not in theirs
    assert json.loads(theirs[VARIABLES.index("literal")]) == "${not.a.reference} %{ if x }"
    assert theirs[len(VARIABLES) + LOCALS.index("single")] == "3"
    assert dict(zip(VARIABLES + LOCALS, ours(tmp_path))) == dict(zip(VARIABLES + LOCALS, theirs))


SECRET = "hunter2-not-to-be-printed"
# Files Terraform refuses to load, each for a reason of the JSON syntax.
REJECTED = {
    "not-json": '{"locals": {"a": "' + SECRET + '"',
    "trailing-comma": '{"locals": {"a": "' + SECRET + '",}}',
    "not-an-object": '["' + SECRET + '"]',
    "unknown-block-type": '{"' + SECRET + '": {}}',
    "body-not-an-object": '{"resource": {"aws_s3_bucket": {"b": "' + SECRET + '"}}}',
    "provider-not-a-reference": '{"resource": {"aws_s3_bucket": {"b": {"provider": "' + SECRET + ' ("}}}}',
    "bad-template": '{"locals": {"a": "${' + SECRET + '"}}',  # plan evaluates every local
    "duplicate-argument": '{"locals": {"a": "' + SECRET + '", "a": 1}}',
}


def _terraform_loads(directory: Path) -> bool:
    """`terraform console` loads and evaluates the configuration without an error."""
    done = subprocess.run(["terraform", "console", "-no-color"], input="1\n", capture_output=True, text=True,
                          cwd=directory, env=_environment(str(directory.parent / f"{directory.name}-data")),
                          timeout=120)
    return done.returncode == 0 and "Error:" not in done.stderr


@pytest.mark.terraform
def test_what_terraform_rejects_is_one_line_naming_the_file_and_exit_2(tmp_path):
    directories = {}
    for name, text in REJECTED.items():
        directory = tmp_path / name
        directory.mkdir()
        (directory / "main.tf.json").write_text(text)
        directories[name] = directory
    accepted = [name for name, directory in directories.items() if _terraform_loads(directory)]
    assert not accepted, f"Terraform loads {accepted}: not a case of rejection"
    for name, directory in directories.items():
        done = run_cli("hcl", str(directory))
        assert done.returncode == 2, name
        assert len(done.stderr.strip().splitlines()) == 1 and "main.tf.json" in done.stderr, name
        assert SECRET not in done.stderr + done.stdout and "Traceback" not in done.stderr, name


def test_nesting_past_the_limit_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "main.tf.json").write_text('{"locals": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    done = run_cli("hcl", str(tmp_path))
    assert done.returncode == 2 and "nested more than" in done.stderr and len(done.stderr.splitlines()) == 1


def test_json_override_file_merges_into_native_blocks(tmp_path):
    # Terraform merges *_override.tf.json like *_override.tf (language/files/override).
    (tmp_path / "main.tf").write_text('locals {\n  a = "base"\n}\nresource "aws_iam_user" "u" {\n  name = local.a\n}\n')
    (tmp_path / "main_override.tf.json").write_text('{"locals": {"a": "over ${1}"}}')
    sandbox = Sandbox(tmp_path)
    with judging(sandbox):
        assert Loader(tmp_path, sandbox, [], []).top.local("a") == "over 1"
    (tmp_path / "override.tf.json").write_text('{"locals": {"nothing_to_override": 1}}')
    done = run_cli("hcl", str(tmp_path))
    assert done.returncode == 2 and "overrides nothing" in done.stderr


def test_a_dynamic_selector_turning_management_events_off_fails_the_trail_control():
    # CloudTrail records no management events when IncludeManagementEvents is false
    # (docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html);
    # Terraform's plan of it is compared in test_hcl_plan_values.py.
    done = run_cli("hcl", str(Path(__file__).parent / "configs" / "json-dynamic-blocks"), "--format", "json")
    trail = [r for r in json.loads(done.stdout)["results"] if r["control"] == "AG_TRAIL_1"]
    assert {r["status"] for r in trail} == {"fail"} and done.returncode == 1
    assert any(r.get("location", {}).get("file", "").endswith("json-dynamic-blocks/main.tf.json") for r in trail)
