"""Values from the input cannot write to a terminal or a CI log: every human-readable
output escapes control characters, line breaks and log commands (reports/escape.py)."""
import json
import os
import subprocess
import sys
import tempfile

import pytest
from conftest import FIXTURES, run_cli
from fixturegen import _environment, _plan, _workdir, _write

from accountguard.reports.escape import printable

# ESC sequences (clear screen, window title), CR, a GitHub workflow command on a line of its
# own, the older `##[` form, and a bidi override. Terraform strings take \u escapes; the
# provider checks that a policy is JSON, not which actions it names (IAM does, at apply).
HOSTILE = r"deploy\u001b[2J\u001b]0;owned\u0007\r\n::error file=main.tf,line=1::injected\n##[error]old\u202e"
HOSTILE_TF = f"""
locals {{
  hostile = "{HOSTILE}"
}}

resource "aws_iam_user" "hostile" {{
  name = "hostile"
}}

resource "aws_iam_user_policy" "hostile" {{
  name   = "hostile"
  user   = aws_iam_user.hostile.name
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = [local.hostile], Resource = "*" }}]
  }})
}}

resource "aws_iam_access_key" "hostile" {{
  user = aws_iam_user.hostile.name
}}
"""


def assert_escaped(output):
    assert output
    assert all(c.isprintable() or c == "\n" for c in output), [c for c in output if not c.isprintable()][:5]
    assert not [line for line in output.splitlines() if line.lstrip().startswith("::")]
    assert "##[" not in output
    assert r"deploy\x1b[2J\x1b]0;owned\x07\r\n::error file=main.tf,line=1::injected\n#\x23[error]old\u202e" in output


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The baseline plus a user with a key and a policy allowing the action HOSTILE; its real plan."""
    parent = tmp_path_factory.mktemp("hostile")
    workdir = _workdir("baseline", parent)
    (workdir / "hostile.tf").write_text(HOSTILE_TF)
    with tempfile.TemporaryDirectory(prefix="accountguard-hostile-") as data_dir:
        plan = _plan("hostile", workdir, _environment(data_dir), "-refresh=false")
    return workdir, _write(plan, parent / "hostile.json")


@pytest.mark.terraform
def test_the_text_report_escapes_what_the_plan_holds(hostile):
    workdir, plan = hostile
    policy, = [c["change"]["after"]["policy"] for c in json.loads(plan.read_text())["resource_changes"]
               if c["address"] == "aws_iam_user_policy.hostile"]
    assert json.loads(policy)["Statement"][0]["Action"] == [json.loads(f'"{HOSTILE}"')]  # the plan carries it
    for args in (("plan", str(plan)), ("hcl", str(workdir), "--tree", str(workdir.parent))):
        done = run_cli(*args)
        # an action AWS does not document counts as write: the key fails AG_KEY_1
        assert done.returncode == 1
        assert_escaped(done.stdout)


@pytest.mark.terraform
def test_a_value_terraform_would_reject_is_escaped_in_the_directory_mode(hostile):
    """`.tf` mode judges before Terraform type-checks: a string where a number belongs."""
    workdir, _ = hostile
    (workdir / "password.tf").write_text('resource "aws_iam_account_password_policy" "strict" {\n'
                                         "  minimum_password_length = local.hostile\n}\n")
    done = run_cli("hcl", str(workdir), "--tree", str(workdir.parent))
    assert done.returncode == 1
    assert_escaped(done.stdout)


@pytest.mark.terraform
def test_pytest_output_escapes_what_the_plan_holds(hostile, pytester):
    _, plan = hostile
    result = pytester.runpytest_subprocess("--pyargs", "accountguard", "-rA", "--plan", str(plan))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert_escaped(result.stdout.str())


def test_an_error_line_escapes_the_path_it_names(tmp_path):
    path = tmp_path / "plan\x1b[31m\n::error::x.json"
    done = run_cli("plan", str(path))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert r"plan\x1b[31m\n::error::x.json: no such file" in done.stderr


@pytest.mark.parametrize("value, shown", [
    ("plain text, ü and ☃", "plain text, ü and ☃"),
    ("a\x1b[31mb", r"a\x1b[31mb"),
    ("line\r\nbreak\ttab", r"line\r\nbreak\ttab"),
    ("\u2028\u2029\x85", r"\u2028\u2029\x85"),  # Unicode line and paragraph separators, NEL
    ("\u202egnp.exe", r"\u202egnp.exe"),  # right-to-left override
    ("\ud800", r"\ud800"),  # a lone surrogate (valid in JSON) cannot even be encoded
    ("x ##[error]y", r"x #\x23[error]y"),
])
def test_printable(value, shown):
    assert printable(value) == shown


def test_a_report_that_cannot_be_written_is_one_line_and_exit_2():
    """Exit 2, never a pass: the verdict reached nobody (README: Judge a plan)."""
    baseline = str(FIXTURES / "baseline.json")
    command = [sys.executable, "-m", "accountguard", "plan", baseline]
    with open("/dev/full", "w") as full:
        done = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2 and done.stderr == \
        "accountguard: cannot write the report to standard output (No space left on device)\n"
    reader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reader.stdout.close()  # `| head -c0`: the reader is gone before the report is written
    assert reader.wait() == 2
    assert reader.stderr.read() == "accountguard: cannot write the report to standard output (Broken pipe)\n"
    closed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2
    assert closed.stderr == "accountguard: cannot write the report: standard output is closed\n"
