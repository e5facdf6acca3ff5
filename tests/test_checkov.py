"""accountguard's checks inside real checkov (its own virtual environment, see
the Makefile): the same failing AG_ IDs as accountguard on every example and
fixture, scoped per plan and per root module, and failing closed."""
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import EXPECTED, FIXTURES, TRAIL_BUCKET_TF

import fixturegen

from accountguard.controls import all_controls

ROOT = FIXTURES.parent
CHECKOV = Path(os.environ.get("ACCOUNTGUARD_CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))
OUR_IDS = sorted(c.id for c in all_controls() if "P" in c.modes or "H" in c.modes)
pytestmark = pytest.mark.checkov
# What our checks need of checkov's frameworks (README "checkov"); the other frameworks would only
# scan the same files for secrets, JSON and YAML. test_two_directories_and_two_plans_in_one_run_do_not_mask_each_other
# and test_checkov_json.py's test_a_json_override_is_judged_with_the_native_files_once run with all.
DIRECTORIES = ("--framework", "terraform", "terraform_json")
PLANS = ("--framework", "terraform_plan")


def checkov(*args, command=None, cwd=ROOT, env=()):
    env = {**os.environ, "ACCOUNTGUARD_COMMAND": command or str(Path(sys.executable).with_name("accountguard")),
           "ACCOUNTGUARD_TREE": str(ROOT),  # the examples use ../modules: the repository is the tree
           "HCL_PARSE_TIMEOUT_SEC": "300",  # checkov's 10 s per file: a loaded machine is no parsing error
           **dict(env)}
    done = subprocess.run([str(CHECKOV), "--skip-download", "--external-checks-dir", str(ROOT / "policies"),
                           *args], capture_output=True, text=True, env=env, cwd=cwd)
    assert "Traceback" not in done.stdout
    return done


def reports(*args, checks=None, **kwargs):
    """Results per framework (only our checks unless `checks` is ""); checkov prints one
    JSON document per phase of a run."""
    selection = ["--check", checks or ",".join(OUR_IDS)] if checks != "" else []
    done = checkov("-o", "json", *selection, *args, **kwargs)
    decoder, text, position, merged = json.JSONDecoder(), done.stdout, 0, {}
    while text[position:].strip():
        data, position = decoder.raw_decode(text, position + len(text[position:]) - len(text[position:].lstrip()))
        for report in data if isinstance(data, list) else [data]:
            results = merged.setdefault(report["check_type"], {"passed_checks": [], "failed_checks": [],
                                                                "skipped_checks": [], "parsing_errors": []})
            for key in results:
                results[key] += report["results"].get(key, [])
    return merged


def failing(results):
    return {c["check_id"] for c in results["failed_checks"] if c["check_id"].startswith("AG_")}


def ours(results, key, file_abs_path=None):
    """Our records of one kind (passed_checks, failed_checks), of one scanned file if given."""
    return [c for c in results[key] if c["check_id"].startswith("AG_")
            and (file_abs_path is None or c["file_abs_path"] == str(file_abs_path))]


def by_example(found: dict, place) -> dict:
    """Records per example, told apart by file: the example's `place(name)` or a file under it."""
    def of(name, record):
        return Path(record["file_abs_path"]).is_relative_to(place(name))
    unplaced = [c["file_abs_path"] for records in found.values() for c in records
                if not any(of(name, c) for name in EXPECTED)]
    assert not unplaced, unplaced
    return {name: {key: [c for c in records if of(name, c)] for key, records in found.items()} for name in EXPECTED}


@pytest.fixture(scope="module")
def every_example(tmp_path_factory):
    """Every example's directory in one checkov run, and all the plans in another, told apart by
    file (test_two_directories_and_two_plans_in_one_run_do_not_mask_each_other). The examples
    share ../modules, and checkov keeps one record of a module resource however many roots call
    it: so each example is scanned as <name>/<name> beside a copy of the modules it calls (only
    those: a module nobody calls would be a root module of its own)."""
    copies = tmp_path_factory.mktemp("examples").resolve()
    ignore = shutil.ignore_patterns(".terraform*", "*.tfstate*")
    for name in EXPECTED:
        shutil.copytree(ROOT / "examples" / name, copies / name / name, ignore=ignore)
        for module in fixturegen.called_modules(ROOT / "examples" / name):
            shutil.copytree(module, copies / name / "modules" / module.name, ignore=ignore)

    def directories():
        return by_example(reports(*DIRECTORIES, "-d", str(copies), env={"ACCOUNTGUARD_TREE": str(copies)})["terraform"],
                          lambda name: copies / name)

    def plans():
        return by_example(reports(*PLANS, *[arg for name in EXPECTED for arg in ("-f", f"fixtures/{name}.json")])
                          ["terraform_plan"], lambda name: FIXTURES / f"{name}.json")
    with ThreadPoolExecutor(max_workers=2) as pool:
        scanned, planned = pool.submit(directories), pool.submit(plans)
        scanned, planned = scanned.result(), planned.result()
    return {name: {"terraform": scanned[name], "terraform_plan": planned[name]} for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_checkov_fails_exactly_what_accountguard_fails(name, every_example):
    found = every_example[name]
    assert failing(found["terraform"]) == set(EXPECTED[name]), "directory"
    assert failing(found["terraform_plan"]) == set(EXPECTED[name]), "plan"


def test_checks_have_names_guidelines_and_resources(every_example):
    failed = every_example["trail-unencrypted"]["terraform_plan"]["failed_checks"]
    trail = next(c for c in failed if c["check_id"] == "AG_TRAIL_3")
    assert trail["check_name"] == "Every trail encrypts its logs with a KMS key"
    assert trail["resource"] == "module.trail.aws_cloudtrail.this"
    assert "kms_key_id = aws_kms_key.trail.arn" in trail["guideline"]
    assert any("trail has no KMS key" in d for d in trail["details"])


def test_two_directories_and_two_plans_in_one_run_do_not_mask_each_other():
    found = reports("-d", "examples/baseline", "-d", "examples/no-trail",
                    "-f", "fixtures/baseline.json", "-f", "fixtures/no-trail.json")
    for framework, results in found.items():
        assert failing(results) == set(EXPECTED["no-trail"]), framework
        for check in results["failed_checks"]:
            assert "baseline" not in check["file_abs_path"], (framework, check["check_id"], check["file_abs_path"])


def test_account_verdicts_without_a_provider_block(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n')
    found = reports(*DIRECTORIES, "-d", str(tmp_path))
    assert failing(found["terraform"]) == set(OUR_IDS) - {"AG_KEY_1"}


def test_skip_comment_check_and_skip_check_options(tmp_path):
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
        'resource "aws_cloudtrail" "main" {\n'
        '  #checkov:skip=AG_TRAIL_3:encrypted with the bucket key, see ADR-7\n'
        '  name                       = "main"\n  s3_bucket_name             = "logs"\n'
        '  is_multi_region_trail      = true\n  enable_log_file_validation = true\n}\n'
        + TRAIL_BUCKET_TF % {"bucket": "logs"})
    found = reports(*DIRECTORIES, "-d", str(tmp_path))["terraform"]
    skipped = {c["check_id"] for c in found["skipped_checks"]}
    assert "AG_TRAIL_3" in skipped and "AG_TRAIL_3" not in failing(found)
    assert "AG_TRAIL_1" not in failing(found) and "AG_TRAIL_2" not in failing(found)
    only = reports(*DIRECTORIES, "-d", str(tmp_path), checks="AG_DET_1")["terraform"]
    assert {c["check_id"] for c in only["failed_checks"] + only["passed_checks"]} == {"AG_DET_1"}
    without = reports(*DIRECTORIES, "--skip-check", "AG_DET_1", "-d", str(tmp_path), checks="")["terraform"]
    assert "AG_DET_1" not in failing(without) and "AG_PWD_1" in failing(without)


def test_sarif_and_junit_outputs_carry_our_checks(tmp_path):
    checkov(*PLANS, "-o", "sarif", "-o", "junitxml", "--output-file-path", str(tmp_path), "--check", "AG_TRAIL_3",
            "-f", "fixtures/trail-unencrypted.json")
    sarif = json.loads((tmp_path / "results_sarif.sarif").read_text())
    assert [r["ruleId"] for run in sarif["runs"] for r in run["results"]] == ["AG_TRAIL_3"]
    junit = (tmp_path / "results_junitxml.xml").read_text()
    assert "AG_TRAIL_3" in junit and "<failure" in junit


def test_without_accountguard_every_check_fails_and_none_passes():
    found = reports(*PLANS, "-f", "fixtures/baseline.json", command="/nonexistent/accountguard")["terraform_plan"]
    assert not [c for c in found["passed_checks"] if c["check_id"].startswith("AG_")]
    assert failing(found) == set(OUR_IDS)
    assert any("cannot run accountguard" in d for c in found["failed_checks"] for d in c["details"])


PROVIDER_ONLY = '''terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
'''
# An account with nothing configured: AWS sets no password policy, MFA policy, trail, alarm or
# detector by default (each control's catalogue entry); with no IAM user and no access key,
# AG_MFA_2 and AG_KEY_1 have nothing to object to. Every trail control fails when there is no
# trail (accountguard/controls/cloudtrail.py: NO_TRAIL), as in test_account_verdicts_without_a_provider_block.
EMPTY_ACCOUNT_PASSES = {"AG_MFA_2", "AG_KEY_1"}


@pytest.mark.terraform
def test_every_check_reports_on_a_scope_without_resources(tmp_path):
    """Only a provider block (directory and its real plan), or only a registry module that was
    not downloaded: the verdicts go on the provider or the module call."""
    from fixturegen import _environment, _plan
    provider_only, registry_only = tmp_path / "provider-only", tmp_path / "registry-only"
    provider_only.mkdir(), registry_only.mkdir()
    (provider_only / "main.tf").write_text(PROVIDER_ONLY)
    (registry_only / "main.tf").write_text('module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n'
                                           '  version = "5.0.0"\n}\n')
    plan = tmp_path / "provider-only.json"
    plan.write_text(json.dumps(_plan("provider-only", provider_only, _environment(str(tmp_path / "tf")))))
    (provider_only / ".terraform.lock.hcl").unlink(missing_ok=True)
    found = reports(*DIRECTORIES, "terraform_plan", "-d", str(provider_only), "-d", str(registry_only), "-f", str(plan))
    for framework, scanned in (("terraform", provider_only / "main.tf"), ("terraform_plan", plan.resolve())):
        passed, failed = ours(found[framework], "passed_checks", scanned), ours(found[framework], "failed_checks", scanned)
        assert {c["check_id"] for c in passed} == EMPTY_ACCOUNT_PASSES, framework
        assert {c["check_id"] for c in failed} == set(OUR_IDS) - EMPTY_ACCOUNT_PASSES, framework
        assert {c["resource"] for c in passed + failed} == {"aws.default"}, framework
    # A module nobody can read leaves every control unknown: an error, so FAILED (README "Fail closed").
    failed = ours(found["terraform"], "failed_checks", registry_only / "main.tf")
    assert sorted(c["check_id"] for c in failed) == OUR_IDS
    assert {c["resource"] for c in failed} == {"vpc"}


def test_modules_outside_the_scanned_folder_are_judged_with_their_root(tmp_path):
    """root -> ../shared/wrapper -> ../trail: the trail is judged as part of root (which has a strong
    password policy), not as a root module of its own (which would have none)."""
    root, wrapper, trail = tmp_path / "root", tmp_path / "shared" / "wrapper", tmp_path / "shared" / "trail"
    for folder in (root, wrapper, trail):
        folder.mkdir(parents=True)
    # examples/baseline/password.tf: the catalogue's strong policy, AG_PWD_1 passes with it.
    (root / "main.tf").write_text((ROOT / "examples" / "baseline" / "password.tf").read_text()
                                  + 'module "wrapper" {\n  source = "../shared/wrapper"\n}\n')
    (wrapper / "main.tf").write_text('module "trail" {\n  source = "../trail"\n}\n')
    # A single-region trail without validation, KMS or CloudWatch Logs: AG_TRAIL_1..4 fail on it
    # (aws_cloudtrail defaults: is_multi_region_trail and enable_log_file_validation false).
    (trail / "main.tf").write_text('resource "aws_cloudtrail" "this" {\n  name           = "main"\n'
                                   '  s3_bucket_name = "logs"\n}\n')
    found = reports(*DIRECTORIES, "-d", str(root), checks="AG_PWD_1,AG_TRAIL_1,AG_TRAIL_3",
                    env={"ACCOUNTGUARD_TREE": str(tmp_path)})["terraform"]  # the checkout holding all three
    failed = ours(found, "failed_checks")
    assert {(c["check_id"], c["resource"]) for c in failed} == {
        ("AG_TRAIL_1", "module.wrapper.module.trail.aws_cloudtrail.this"),
        ("AG_TRAIL_3", "module.wrapper.module.trail.aws_cloudtrail.this")}
    assert [c["resource"] for c in ours(found, "passed_checks") if c["check_id"] == "AG_PWD_1"] == [
        "aws_iam_account_password_policy.strict"]


def test_a_waived_failure_is_a_skipped_check_with_the_reason(tmp_path):
    (tmp_path / "accountguard.toml").write_text(
        '[[waivers]]\ncontrol = "AG_KEY_1"\nsubject = "aws_iam_access_key.deploy"\n'
        'reason = "legacy deployer, replaced by OIDC in SEC-123"\nexpires = 2099-03-31\n')
    found = reports(*PLANS, "-f", str(FIXTURES / "admin-access-key.json"), cwd=tmp_path)["terraform_plan"]
    assert "AG_KEY_1" not in failing(found)
    (skipped,) = [c for c in ours(found, "skipped_checks") if c["check_id"] == "AG_KEY_1"]
    assert skipped["resource"] == "aws_iam_access_key.deploy"
    assert "legacy deployer, replaced by OIDC in SEC-123 (until 2099-03-31)" in skipped["check_result"]["suppress_comment"]


def test_an_expired_waiver_fails_the_check(tmp_path):
    (tmp_path / "accountguard.toml").write_text(
        '[[waivers]]\ncontrol = "AG_KEY_1"\nsubject = "aws_iam_access_key.deploy"\n'
        'reason = "legacy deployer, replaced by OIDC in SEC-123"\nexpires = 2020-01-31\n')
    found = reports(*PLANS, "-f", str(FIXTURES / "admin-access-key.json"), cwd=tmp_path)["terraform_plan"]
    assert "AG_KEY_1" in failing(found)
    assert not [c for c in ours(found, "skipped_checks") if c["check_id"] == "AG_KEY_1"]
