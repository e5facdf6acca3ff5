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


def test_a_change_in_a_module_counts_for_every_root_that_calls_it(tmp_path):
    tree(tmp_path, {
        "envs/prod/main.tf": 'module "base" {\n  source = "../../modules/base"\n}\n' + PROVIDER,
        "envs/dev/main.tf": 'module "base" {\n  source = "../../modules/base"\n}\n' + PROVIDER,
        "envs/sandbox/main.tf": 'resource "aws_iam_user" "u" {\n  name = "u"\n}\n' + PROVIDER,
        "modules/base/main.tf": 'module "trail" {\n  source = "../trail"\n}\n',
        "modules/trail/main.tf": 'resource "aws_cloudtrail" "t" {\n  name = "t"\n  s3_bucket_name = "b"\n}\n',
        "modules/orphan/main.tf": 'resource "aws_iam_user" "o" {\n  name = "o"\n}\n',
    })
    os.chdir(tmp_path)
    assert affected_roots(["modules/trail/main.tf"], tmp_path) == [tmp_path / "envs/dev", tmp_path / "envs/prod"]
    assert affected_roots(["envs/sandbox/main.tf", "README.md"], tmp_path) == [tmp_path / "envs/sandbox"]
    assert affected_roots(["modules/orphan/main.tf"], tmp_path) == []


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_try_repo_fails_a_commit_that_removes_the_trail(tmp_path):
    repo = tmp_path / "infra"
    shutil.copytree(EXAMPLES / "modules", repo / "modules")
    for name in ("baseline", "no-trail"):
        shutil.copytree(EXAMPLES / name, repo / "envs" / name, symlinks=False)
    for directory in (repo / "envs").iterdir():  # the examples call ../modules; here it is ../../modules
        for path in directory.glob("*.tf"):
            path.write_text(path.read_text().replace('"../modules/', '"../../modules/'))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "infra"]):
        subprocess.run(command, cwd=repo, check=True, env=env)
    done = subprocess.run([str(Path(sys.executable).with_name("pre-commit")), "try-repo", str(ROOT), "accountguard",
                           "--files", "envs/no-trail/providers.tf", "envs/baseline/trail.tf"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "accountguard: envs/no-trail" in done.stdout and "FAIL   AG_TRAIL_1" in done.stdout
    assert "accountguard: envs/baseline" in done.stdout
