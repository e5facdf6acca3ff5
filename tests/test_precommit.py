"""The pre-commit hook judges every root module a commit touches, through a
module however deep, and is tried as users install it: `pre-commit try-repo`."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from accountguard.precommit import affected_roots

ROOT = FIXTURES.parent
EXAMPLES = ROOT / "examples"
PROVIDER = 'provider "aws" {\n  region = "eu-west-1"\n}\n'


def tree(top: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text(text)
    return top


def test_a_change_in_a_module_counts_for_every_root_that_calls_it(tmp_path, monkeypatch):
    tree(tmp_path, {
        "envs/prod/main.tf": 'module "base" {\n  source = "../../modules/base"\n}\n' + PROVIDER,
        "envs/dev/main.tf": 'module "base" {\n  source = "../../modules/base"\n}\n' + PROVIDER,
        "envs/sandbox/main.tf": 'resource "aws_iam_user" "u" {\n  name = "u"\n}\n' + PROVIDER,
        "modules/base/main.tf": 'module "trail" {\n  source = "../trail"\n}\n',
        "modules/trail/main.tf": 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n',
        "modules/orphan/main.tf": 'resource "aws_iam_user" "o" {\n  name = "o"\n}\n',
    })
    monkeypatch.chdir(tmp_path)  # the hook gets paths relative to the repository's root
    assert affected_roots(["modules/trail/main.tf"], tmp_path) == [tmp_path / "envs/dev", tmp_path / "envs/prod"]
    assert affected_roots(["envs/sandbox/main.tf", "README.md"], tmp_path) == [tmp_path / "envs/sandbox"]
    assert affected_roots(["modules/orphan/main.tf"], tmp_path) == []


def test_json_configuration_and_variable_files_count_as_native_ones(tmp_path, monkeypatch):
    """Terraform reads *.tf.json as configuration and terraform.tfvars.json, *.auto.tfvars.json as
    variable files (https://developer.hashicorp.com/terraform/language/syntax/json,
    https://developer.hashicorp.com/terraform/language/values/variables#variable-definitions-tfvars-files)."""
    tree(tmp_path, {
        "envs/json/main.tf.json": '{"module": {"trail": {"source": "../../modules/trail"}},'
                                  ' "provider": {"aws": {"region": "eu-west-1"}}}',
        "envs/json/prod.auto.tfvars.json": "{}",
        "envs/native/main.tf": 'module "trail" {\n  source = "../../modules/trail"\n}\n' + PROVIDER,
        "modules/trail/main.tf.json": '{"resource": {"aws_cloudtrail": {"t": {"name": "t", "s3_bucket_name": "b"}}}}',
    })
    monkeypatch.chdir(tmp_path)  # the hook gets paths relative to the repository's root
    assert affected_roots(["modules/trail/main.tf.json"], tmp_path) == [tmp_path / "envs/json",
                                                                        tmp_path / "envs/native"]
    assert affected_roots(["envs/json/prod.auto.tfvars.json"], tmp_path) == [tmp_path / "envs/json"]


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_try_repo_fails_a_commit_that_removes_the_trail(tmp_path):
    repo = tmp_path / "infra"
    shutil.copytree(EXAMPLES / "modules", repo / "modules")
    for name in ("baseline", "no-trail", "trail-logging-off-json"):
        shutil.copytree(EXAMPLES / name, repo / "envs" / name, symlinks=False)
    shutil.copytree(ROOT / "tests" / "configs" / "baseline-json", repo / "envs" / "baseline-json")
    (repo / "envs" / "baseline-json" / "terraform.tfvars.json").write_text("{}\n")
    for directory in (repo / "envs").iterdir():  # the examples call ../modules; here it is ../../modules
        for path in [*directory.glob("*.tf"), *directory.glob("*.tf.json")]:
            path.write_text(path.read_text().replace('"../modules/', '"../../modules/')
                            .replace('"../../../examples/modules/', '"../../modules/'))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "infra"]):
        subprocess.run(command, cwd=repo, check=True, env=env)
    done = subprocess.run([str(Path(sys.executable).with_name("pre-commit")), "try-repo", str(ROOT), "accountguard",
                           "--files", "envs/no-trail/providers.tf", "envs/baseline/trail.tf",
                           "envs/trail-logging-off-json/trail_override.tf.json",
                           "envs/baseline-json/terraform.tfvars.json"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "accountguard: envs/no-trail" in done.stdout and "FAIL   AG_TRAIL_1" in done.stdout
    assert "accountguard: envs/baseline\n" in done.stdout
    # JSON syntax: an override turning the trail's logging off (examples/expected.toml), and a
    # JSON-only root module reached through its terraform.tfvars.json
    reports = {part.split("\n", 1)[0]: part for part in done.stdout.split("accountguard: envs/")[1:]}
    assert "FAIL   AG_TRAIL_1" in reports["trail-logging-off-json"]
    assert "baseline-json" in reports
