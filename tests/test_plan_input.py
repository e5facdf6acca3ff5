"""Input that cannot be judged is exit 2 with one line, never a pass; sensitive
values never reach any output."""
import codecs
import json
import subprocess

import pytest
from conftest import EXPECTED, FIXTURES, run_cli

from accountguard.reports import FORMATS


def assert_rejected(path, *words):
    done = run_cli("plan", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr
    return done.stderr


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_missing_file(tmp_path):
    assert_rejected(tmp_path / "plan.json", "no such file")


def test_directory(tmp_path):
    assert_rejected(tmp_path, "is a directory")


def test_not_json(tmp_path):
    assert_rejected(write(tmp_path, "plan.json", "Terraform will perform the following actions:"),
                    "not valid JSON")


def test_truncated_json(tmp_path):
    text = (FIXTURES / "baseline.json").read_text()
    assert_rejected(write(tmp_path, "plan.json", text[: len(text) // 2]), "truncated")


def test_empty_file_and_empty_object(tmp_path):
    assert_rejected(write(tmp_path, "empty.json", ""), "empty file")
    assert_rejected(write(tmp_path, "object.json", {}), "not a Terraform plan")


def test_errored_plan(tmp_path, plan_json):
    plan = plan_json("baseline") | {"errored": True}
    assert_rejected(write(tmp_path, "plan.json", plan), "errored")


@pytest.mark.parametrize("version", ["2.0", "10.1"])
def test_unsupported_format_version(tmp_path, plan_json, version):
    plan = plan_json("baseline") | {"format_version": version}
    assert_rejected(write(tmp_path, "plan.json", plan), f"format_version '{version}' is not supported")


def test_unexpected_structure_is_rejected_not_crashed(tmp_path, plan_json):
    plan = plan_json("baseline") | {"resource_changes": [{"mode": "managed", "type": "aws_iam_user"}]}
    assert_rejected(write(tmp_path, "plan.json", plan), "unexpected structure")


@pytest.mark.terraform
def test_state_instead_of_plan(tmp_path):
    """A real state from `terraform show -json` (terraform_data needs no provider)."""
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {\n  input = "y"\n}\n')
    for command in (["terraform", "init"], ["terraform", "apply", "-auto-approve"]):
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    state = subprocess.run(["terraform", "show", "-json"], cwd=tmp_path, check=True, capture_output=True).stdout
    assert_rejected(write(tmp_path, "state.json", state.decode()), "a Terraform state, not a plan")


def test_utf16_with_bom_is_read(tmp_path):
    text = (FIXTURES / "weak-password-policy.json").read_text()
    path = tmp_path / "plan-utf16.json"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    done = run_cli("plan", str(path), "--format", "json")
    assert done.returncode == 1
    assert {r["control"] for r in json.loads(done.stdout)["results"] if r["status"] == "fail"} == {"AG_PWD_1"}


SECRET = "oncall-billing@example.com"  # var.alert_email: sensitive = true in examples/baseline


def every_format(tmp_path):
    """--format text and an --output of each other format the command offers."""
    others = sorted(set(FORMATS) - {"text"})
    return ["--format", "text", *(arg for f in others for arg in ("--output", f"{f}:{tmp_path / f}"))], others


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n != "naive-account"))
def test_sensitive_values_never_appear(name, cli, pytester, tmp_path):
    """In no report format, no stream, for every example's plan: the command's entry point in
    this process (the same code; the real process is the test below) and the pytest plugin."""
    plan = FIXTURES / f"{name}.json"
    assert SECRET in plan.read_text()  # the plan does carry it
    args, others = every_format(tmp_path)
    done = cli("plan", str(plan), *args)
    assert done.returncode in (0, 1), done.stderr
    for output in (done.stdout, done.stderr, *((tmp_path / f).read_text() for f in others)):
        assert SECRET not in output
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "-rA", "--plan", str(plan))
    assert SECRET not in result.stdout.str() + result.stderr.str()


def test_sensitive_values_never_appear_from_a_real_process(tmp_path):
    plan = FIXTURES / "trail-single-region.json"  # fails AG_TRAIL_1: every format has findings to show
    assert SECRET in plan.read_text()
    args, others = every_format(tmp_path)
    done = run_cli("plan", str(plan), *args)
    assert (done.returncode, done.stderr) == (1, "")
    outputs = [done.stdout, *((tmp_path / f).read_text() for f in others)]
    assert all("AG_TRAIL_1" in output for output in outputs)
    assert not any(SECRET in output for output in outputs)


# Bounds from accountguard/limits.py: Terraform's own plans nest a few dozen levels and its
# numbers are 64-bit at most; anything beyond is not a plan, whatever Python could parse.
def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [300, 100_000], ids=["deeper than the limit", "deeper than Python's parser"])
def test_nesting_deeper_than_the_limit_is_one_line(tmp_path, plan_json, depth):
    plan = plan_json("baseline")
    plan["resource_changes"][0]["change"]["after"]["tags"] = "NESTED"
    path = write(tmp_path, "plan.json", json.dumps(plan).replace('"NESTED"', _nested(depth)))
    assert_rejected(path, "nested deeper than 256 levels")


def test_nesting_within_the_limit_is_judged(tmp_path, plan_json):
    plan = plan_json("baseline")
    plan["resource_changes"][0]["change"]["after"]["tags"] = "NESTED"
    path = write(tmp_path, "plan.json", json.dumps(plan).replace('"NESTED"', _nested(200)))
    assert run_cli("plan", str(path)).returncode == 0  # the baseline passes every plan control


@pytest.mark.parametrize("environment", [{}, {"PYTHONINTMAXSTRDIGITS": "0"}], ids=["default", "no Python limit"])
def test_a_5000_digit_number_is_one_line(tmp_path, plan_json, environment, monkeypatch):
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    plan = plan_json("baseline")
    plan["resource_changes"][0]["change"]["after"]["tags"] = "NUMBER"
    path = write(tmp_path, "plan.json", json.dumps(plan).replace('"NUMBER"', "9" * 5000))
    assert_rejected(path, "a number with more than 4300 digits")


def test_a_file_larger_than_the_limit_is_one_line_without_reading_it(tmp_path):
    path = tmp_path / "plan.json"
    with path.open("wb") as handle:  # sparse: nothing is written, nothing need be read
        handle.truncate(512 * 1024 * 1024 + 1)
    assert_rejected(path, "larger than 512 MiB")


@pytest.mark.parametrize("case", ["deep plan", "long number", "missing directory", "a file as directory",
                                  "config of the wrong shape", "weaker threshold"])
def test_pytest_stops_with_one_usage_error(pytester, plan_json, case):
    """The same inputs as the command line's exit 2: one `ERROR: accountguard:` line, exit 4,
    never INTERNALERROR (exit 3)."""
    plan = plan_json("baseline")
    plan["resource_changes"][0]["change"]["after"]["tags"] = "DAMAGE"
    text = json.dumps(plan)
    baseline = str(FIXTURES / "baseline.json")
    args = {"deep plan": ["--plan", str(write(pytester.path, "p.json", text.replace('"DAMAGE"', _nested(5000))))],
            "long number": ["--plan", str(write(pytester.path, "p.json", text.replace('"DAMAGE"', "1" * 5000)))],
            "missing directory": ["--tf-dir", str(pytester.path / "nope")],
            "a file as directory": ["--tf-dir", baseline],
            "config of the wrong shape": ["--plan", baseline, "--accountguard-config",
                                          str(write(pytester.path, "pyproject.toml", "[tool]\naccountguard = 5\n"))],
            "weaker threshold": ["--plan", baseline, "--accountguard-config",
                                 str(write(pytester.path, "ag.toml", "[thresholds]\nkey_max_age_days = 365\n"))],
            }[case]
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == \
        [line for line in result.stderr.lines if line.startswith("ERROR: accountguard: ")]
    assert len([line for line in result.stderr.lines if line.strip()]) == 1
