"""`accountguard hcl` on a hostile pull request: nothing outside the tree being
judged is read, no FIFO or device is opened, and no message shows a file's text."""
import json
import os
import textwrap

import pytest
from conftest import run_cli

from accountguard.model import Unknown
from accountguard.sources.hcl import load_directory

SECRET = "TOPSECRET-do-not-print"


@pytest.fixture
def outside(tmp_path):
    """A secret beside the directory being judged, and the directory."""
    (tmp_path / "secret.txt").write_text(f"{SECRET}\n")
    judged = tmp_path / "pr"
    judged.mkdir()
    return judged


def topic_name(directory, expression, *args, **kwargs):
    (directory / "main.tf").write_text(f'resource "aws_sns_topic" "t" {{\n  name = {expression}\n}}\n')
    inventory = load_directory(directory, *args, **kwargs)
    topic, = inventory.of_type("aws_sns_topic")
    return topic.values["name"], inventory.notes


@pytest.mark.parametrize("expression", [
    'file("../secret.txt")',
    'file("${path.module}/../secret.txt")',
    'file("/etc/hostname")',
    'file("/proc/self/environ")',
    'filebase64("../secret.txt")',
    'templatefile("../secret.txt", {})',
    'fileexists("../secret.txt")',
    'fileset("..", "*.txt")',
    'file("link")',  # a symlink inside the tree to the secret outside it
    'file("linked/secret.txt")',  # a symlinked directory
])
def test_reads_outside_the_tree_are_unknown_with_a_note(outside, expression):
    (outside / "link").symlink_to(outside.parent / "secret.txt")
    (outside / "linked").symlink_to(outside.parent)
    name, notes = topic_name(outside, expression)
    assert isinstance(name, Unknown) and "not read" in name.why and SECRET not in name.why
    assert notes and all("not read" in note for note in notes)


def test_reads_inside_the_tree_work(outside):
    (outside / "files").mkdir()
    (outside / "files" / "a.json").write_text("A")
    (outside / "files" / "b.txt").write_text("B")
    assert topic_name(outside, 'file("files/a.json")')[0] == "A"
    assert topic_name(outside, 'filebase64("files/a.json")')[0] == "QQ=="
    assert topic_name(outside, 'jsonencode(fileset(path.module, "files/*.{json,txt}"))')[0] == \
        '["files/a.json","files/b.txt"]'
    assert topic_name(outside, 'jsonencode(fileset(path.module, "**/b.*"))')[0] == '["files/b.txt"]'
    assert topic_name(outside, 'fileexists("files/a.json")')[0] == "true"  # a bool in a string attribute
    assert topic_name(outside, 'fileexists("files/none.json")')[0] == "false"


def test_a_wider_tree_is_given_explicitly(outside):
    name, notes = topic_name(outside, 'file("../secret.txt")', tree=outside.parent)
    assert name == f"{SECRET}\n" and notes == []


def test_the_tree_from_the_environment_applies_only_where_it_contains_the_directory(outside, tmp_path_factory,
                                                                                  monkeypatch):
    monkeypatch.setenv("ACCOUNTGUARD_TREE", str(outside.parent))
    assert topic_name(outside, 'file("../secret.txt")')[0] == f"{SECRET}\n"
    monkeypatch.setenv("ACCOUNTGUARD_TREE", str(tmp_path_factory.mktemp("elsewhere")))
    assert isinstance(topic_name(outside, 'file("../secret.txt")')[0], Unknown)


@pytest.mark.parametrize("make, words", [
    (lambda d: (d / "zero.tf").symlink_to("/dev/zero"), "zero.tf is outside the directory being judged"),
    (lambda d: (d / "creds.tf").symlink_to(d.parent / "secret.txt"), "creds.tf is outside the directory"),
    (lambda d: os.mkfifo(d / "pipe.tf"), "pipe.tf is not a regular file"),
    (lambda d: (d / "terraform.tfvars").symlink_to(d.parent / "secret.txt"), "terraform.tfvars is outside"),
])
def test_tf_files_that_may_not_be_read_are_a_usage_error(outside, make, words):
    (outside / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    make(outside)
    done = run_cli("hcl", str(outside))
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert words in done.stderr and SECRET not in done.stderr


def test_a_fifo_read_with_file_is_never_opened(outside):
    os.mkfifo(outside / "pipe")
    name, _ = topic_name(outside, 'file("pipe")')  # opening it for reading would block forever
    assert isinstance(name, Unknown) and "not a regular file" in name.why


def test_a_module_outside_the_tree_is_unseen_and_says_how_to_include_it(outside):
    (outside.parent / "modules").mkdir()
    (outside.parent / "modules" / "main.tf").write_text('resource "aws_iam_account_password_policy" "p" {}\n')
    (outside / "main.tf").write_text('module "m" {\n  source = "../modules"\n}\n')
    done = run_cli("hcl", str(outside), "--format", "json")
    report = json.loads(done.stdout)
    password = next(r for r in report["results"] if r["control"] == "AG_PWD_1")
    assert password["status"] == "error" and "outside the directory being judged" in password["message"]
    assert "--tree" in password["message"]
    wider = json.loads(run_cli("hcl", str(outside), "--tree", str(outside.parent), "--format", "json").stdout)
    assert next(r for r in wider["results"] if r["control"] == "AG_PWD_1")["status"] == "fail"  # length unset


@pytest.mark.parametrize("text", [
    f"[default]\naws_secret_access_key = {SECRET}\n",  # a credentials file named .tf
    f'resource "aws_sns_topic" "t" {{\n  name = "{SECRET}\n}}\n',  # an unterminated string
    f'locals {{\n  x = {SECRET} {SECRET}\n}}\n',
    f'locals {{\n  x = "${{{SECRET}"\n}}\n',
])
def test_a_syntax_error_names_file_line_column_and_never_the_text(tmp_path, text):
    (tmp_path / "main.tf").write_text(text)
    done = run_cli("hcl", str(tmp_path))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert f"{tmp_path}/main.tf:" in done.stderr and "syntax error: expected" in done.stderr
    line, column = done.stderr.split("main.tf:")[1].split(":")[:2]
    assert line.isdigit() and column.isdigit()
    assert SECRET not in done.stderr and "TOPSECRET" not in done.stderr


def test_a_template_error_never_shows_the_template(outside):
    (outside / "t.tpl").write_text(f"%{{ {SECRET} }}")
    name, _ = topic_name(outside, 'templatefile("t.tpl", {})')
    assert isinstance(name, Unknown) and SECRET not in name.why


@pytest.mark.parametrize("assignment", [f"n={SECRET} +", f"{SECRET}"])
def test_var_errors_never_echo_the_value(tmp_path, assignment):
    (tmp_path / "main.tf").write_text(textwrap.dedent('''
        variable "n" {
          type = number
        }
    '''))
    done = run_cli("hcl", str(tmp_path), "--var", assignment)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and SECRET not in done.stderr


def test_a_pseudo_filesystem_is_not_a_tree():
    done = run_cli("hcl", "/proc/self")
    assert done.returncode == 2 and "pseudo-filesystem" in done.stderr


@pytest.mark.parametrize("path, words", [("/proc/self/environ", "on a pseudo-filesystem"),
                                         ("/dev/zero", "on a pseudo-filesystem")])
def test_a_named_var_file_is_still_only_a_regular_file(tmp_path, path, words):
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    done = run_cli("hcl", str(tmp_path), "--var-file", path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and words in done.stderr


@pytest.mark.parametrize("expression", ['tonumber(file("secret.txt"))', 'parseint(file("secret.txt"), 10)',
                                        'lookup({}, file("secret.txt"))', '{ (file("secret.txt")) = 1, '
                                        '(file("secret.txt")) = 2 }'])
def test_an_error_about_a_value_never_shows_the_value(outside, expression):
    (outside / "secret.txt").write_text(SECRET)
    (outside / "main.tf").write_text(f'resource "aws_iam_account_password_policy" "p" {{\n'
                                     f'  minimum_password_length = {expression}\n}}\n')
    done = run_cli("hcl", str(outside), "--format", "json")
    assert done.returncode in (1, 2) and SECRET not in done.stdout + done.stderr
