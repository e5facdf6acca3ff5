"""The worst `.tf` inputs we could think of end in one clear line and exit 2.

Each runs the CLI in a process that the kernel stops past 5 s of CPU or 500 MB
of address space: a safety bound, not a timing. A case that needed more would
die by signal or MemoryError and fail here on its exit code and message."""
import os
import resource
import subprocess
import sys

import pytest

from accountguard import limits
from accountguard.model import Unknown
from accountguard.sources.hcl import load_directory

CPU_SECONDS = 5
MEMORY_BYTES = 500 * 1024 * 1024


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_bounded(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accountguard", *args], capture_output=True, text=True,
                          preexec_fn=_bounded, timeout=120)


def doubling(levels: int) -> str:
    lines = ['  s0 = "xxxxxxxxxxxxxxxx"'] + [f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"'
                                             for i in range(1, levels + 1)]
    return "locals {\n" + "\n".join(lines) + f"\n}}\nresource \"aws_sns_topic\" \"t\" {{\n  name = local.s{levels}\n}}\n"


def topic(attribute: str, locals_: str = "") -> str:
    return f"locals {{\n{locals_}\n}}\nresource \"aws_sns_topic\" \"t\" {{\n  {attribute}\n}}\n"


CASES = {
    "count": (topic("count = 100000000"), "main.tf:5: count would have more than 100,000 elements"),
    "for_each": (topic("for_each = toset(flatten([for a in range(1000) : [for b in range(200) : \"${a}-${b}\"]]))"),
                 ("would have more than 100,000 elements", "evaluation steps")),
    "count-past-machine-integers": (topic("count = 1e300"), "count would have more than 100,000"),
    "number-squaring": ("locals {\n  n0 = 1e300\n" + "".join(f"  n{i} = local.n{i - 1} * local.n{i - 1}\n"
                                                         for i in range(1, 41)) + "}\n" + topic("name = local.n40"),
                        "a number of more than 4096 bits"),
    "deep-nesting": (topic("name = " + "[" * 5000 + "]" * 5000), "nested too deeply"),
    "nested-for": (topic("name = length(local.b)", "  a = range(1000)\n"
                                                   "  b = [for x in local.a : [for y in local.a : x + y]]"),
                   "evaluation steps"),
    "string-doubling": (doubling(30), "a value longer than 16 Mi characters"),
    "join-of-shared-strings": (topic("name = join(\"\", local.l)",
                                     '  s = join("", [for i in range(1000) : "' + "x" * 32 + '"])\n'
                                     "  l = [for i in range(1000) : local.s]"), "a value longer than 16 Mi"),
    "self-calling-module": ('module "again" {\n  source = "./"\n}\n', "modules nest more than 32 deep"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_worst_cases_end_with_one_line_in_bounded_time_and_memory(tmp_path, case):
    text, words = CASES[case]
    (tmp_path / "main.tf").write_text(text)
    (tmp_path / "zero").symlink_to("/dev/zero")
    done = run_bounded("hcl", str(tmp_path), "--format", "json")
    assert done.returncode == 2, done.stderr[-500:]
    words = (words,) if isinstance(words, str) else words
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1 and any(w in done.stderr for w in words)
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


@pytest.mark.parametrize("expression", ["range(1e9)", "range(-1e300, 1e300)"])
def test_a_range_past_terraforms_own_limit_is_unknown(tmp_path, expression):
    """Terraform refuses to make more than 1024 values (go-cty's range): never guessed, never built."""
    (tmp_path / "main.tf").write_text(topic(f"name = length({expression})"))
    done = run_bounded("hcl", str(tmp_path), "--format", "json")
    assert done.returncode == 1 and done.stderr == ""
    (topic_,) = load_directory(tmp_path).of_type("aws_sns_topic")
    assert isinstance(topic_.values["name"], Unknown) and "more than 1024 values" in topic_.values["name"].why


DENSE = 'resource "aws_sns_topic" "t" {\n  name = "x"\n}\n'


@pytest.mark.parametrize("make, words", [
    (lambda d: (d / "big.tf").write_bytes(b"#" * 100_000_000), "big.tf: larger than the limit of 256 KiB"),
    (lambda d: (d / "zero.tf").symlink_to("/dev/zero"), "zero.tf is outside the directory being judged"),
    (lambda d: os.mkfifo(d / "fifo.tf"), "fifo.tf is not a regular file"),
    (lambda d: [(d / f"f{i}.tf").write_text(DENSE * (limits.TF_FILE_MAX_BYTES // len(DENSE))) for i in range(3)],
     "exceed the limit of 512 KiB in all"),
])
def test_files_that_are_too_big_or_not_files_end_in_one_line(tmp_path, make, words):
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    make(tmp_path)
    done = run_bounded("hcl", str(tmp_path))
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert words in done.stderr


@pytest.mark.parametrize("path", ["/dev/zero", "zero"])
def test_dev_zero_through_file_is_not_read(tmp_path, path):
    (tmp_path / "main.tf").write_text(f'resource "aws_iam_user" "u" {{\n  name = file("{path}")\n}}\n')
    (tmp_path / "zero").symlink_to("/dev/zero")
    done = run_bounded("hcl", str(tmp_path), "--format", "json")
    assert done.returncode == 1 and f"{path} is outside the directory being judged; not read" in done.stdout


def test_the_bounds_leave_room_for_an_ordinary_configuration():
    """The same resource limits do not stop a real example: the bound is not what fails the cases above."""
    examples = os.path.join(os.path.dirname(__file__), "..", "examples")
    done = run_bounded("hcl", os.path.join(examples, "baseline"), "--tree", examples, "--format", "json")
    assert done.returncode == 0, done.stderr
