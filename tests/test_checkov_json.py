"""accountguard's checks in checkov on configurations in Terraform's JSON syntax: checkov scans
.tf.json files in a framework of its own (terraform_json) and .tf files in another (terraform);
either way a file is judged with its directory's root module, and a directory that mixes both
gets one verdict per check, not one from each framework."""
import pytest
from conftest import EXPECTED
from test_checkov import DIRECTORIES, OUR_IDS, failing, ours, reports

pytestmark = pytest.mark.checkov
RECORDS = ("passed_checks", "failed_checks")


def records(found):
    """(framework, check, resource, result) of our records in every framework of a run."""
    return [(framework, c["check_id"], c["resource"], key) for framework, results in found.items()
            for key in RECORDS for c in ours(results, key)]


def test_an_all_json_configuration_is_judged_as_a_root_module():
    # tests/configs/baseline-json is examples/baseline in JSON syntax (tests/test_hcl_json.py), and
    # examples/baseline fails nothing (examples/expected.toml): every check passes on it.
    found = reports(*DIRECTORIES, "-d", "tests/configs/baseline-json")
    assert not [c for results in found.values() for c in ours(results, "failed_checks")], \
        [c["details"] for results in found.values() for c in ours(results, "failed_checks")]
    assert {c["check_id"] for c in ours(found["terraform_json"], "passed_checks")} == set(OUR_IDS)


def test_a_json_override_is_judged_with_the_native_files_once():
    # expected.toml: the override turns the trail's logging off, AG_TRAIL_1 and AG_MON_1 fail.
    found = reports("-d", "examples/trail-logging-off-json")  # checkov's default frameworks: all
    assert set().union(*map(failing, found.values())) == set(EXPECTED["trail-logging-off-json"])
    verdicts = [(check, resource) for _, check, resource, _ in records(found)]
    assert len(verdicts) == len(set(verdicts)), sorted(verdicts)
    assert {check for check, _ in verdicts} == set(OUR_IDS)


def test_a_json_resource_beside_native_files_carries_its_own_finding(tmp_path):
    # A 10-character minimum is below the 14 AG_PWD_1 asks for (its catalogue entry, CIS 1.8); with
    # no trail, alarm or detector the account-wide controls fail as in test_checkov.py's
    # test_account_verdicts_without_a_provider_block; user ci has no access key (AG_KEY_1 passes).
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n\n'
                                      'resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n')
    (tmp_path / "password.tf.json").write_text(
        '{"resource": {"aws_iam_account_password_policy": {"weak": {"minimum_password_length": 10}}}}\n')
    found = reports(*DIRECTORIES, "-d", str(tmp_path))
    assert set().union(*map(failing, found.values())) == set(OUR_IDS) - {"AG_KEY_1"}
    verdicts = records(found)
    assert sorted(check for _, check, _, _ in verdicts) == OUR_IDS, sorted(verdicts)  # one per check
    # checkov names a terraform_json resource "resource.<name>" (terraform_json/runner.py run_block)
    assert [v for v in verdicts if v[1] == "AG_PWD_1"] == [
        ("terraform_json", "AG_PWD_1", "resource.weak", "failed_checks")]


def test_native_files_without_an_entity_leave_the_verdicts_to_the_json_files(tmp_path):
    # versions.tf gives checkov's terraform framework nothing to run a check on: were the JSON
    # framework to leave the account's verdicts to it, no check would report (and none fail).
    # The account is test_account_verdicts_without_a_provider_block's: user ci, nothing else.
    (tmp_path / "versions.tf").write_text('terraform {\n  required_version = ">= 1.5"\n}\n')
    (tmp_path / "main.tf.json").write_text('{"resource": {"aws_iam_user": {"ci": {"name": "ci"}}}}\n')
    found = reports(*DIRECTORIES, "-d", str(tmp_path))
    assert set().union(*map(failing, found.values())) == set(OUR_IDS) - {"AG_KEY_1"}
    assert sorted(check for _, check, _, _ in records(found)) == OUR_IDS
