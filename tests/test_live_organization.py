"""`accountguard live --organization` against an organization on a moto server on
127.0.0.1: 20 accounts with varied findings, an organization trail, a member that
refuses the scanner role, a suspended one; then faults (throttling, a failing
member endpoint, the deadline) on a small organization.

Expected verdicts come from AWS's documentation, cited per case:
- organization trails: "an organization trail logs events for the management
  account and all member accounts in the organization", delivered to the
  management account's bucket and CloudWatch Logs group (CloudTrail User Guide,
  Creating a trail for an organization);
- SCPs: "SCPs do not affect users or roles in the management account"; an SCP
  attached to an OU applies to the accounts below it (Organizations User Guide,
  Service control policies);
- suspended accounts cannot be accessed ("closed accounts ... SUSPENDED"
  (Organizations API Reference, Account.Status); moto's CloseAccount sets
  SUSPENDED at once where AWS goes through PENDING_CLOSURE first;
- centralized root access: member accounts whose root credentials were deleted
  "cannot sign in as root" (IAM User Guide, Centrally manage root access).
"""
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from moto_account import (ACCOUNT_ID, HOME, NOW, REQUIRE_MFA, Account, Member, Pace, Root, insecure, organization,
                          proxied, reset, session, trail_key_policy)
from moto_endpoint import Fault

from accountguard import limits
from accountguard.controls import all_controls
from accountguard.organization import evaluate_organization, organization_failed
from accountguard.sources.live.organization_scan import load_organization

ALL_LIVE = [c.id for c in all_controls() if "L" in c.modes]
# AG_ORG_1 judges the SCPs over each member, asserted apart (the SCPs here hold nobody)
LIVE = [c for c in ALL_LIVE if c != "AG_ORG_1"]
REGIONS = ["eu-west-1", "us-east-1"]
ROLE_REFUSED = "User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: sts:AssumeRole"


def _organization_trail(boto):
    """A multi-region organization trail that validates, encrypts and delivers to the
    management account's log group, the one its CIS metric filters watch."""
    boto.client("s3").create_bucket(Bucket="organization-trail-logs",
                                    CreateBucketConfiguration={"LocationConstraint": HOME})
    group = boto.client("logs").describe_log_groups(logGroupNamePrefix="/aws/cloudtrail/account-trail")["logGroups"][0]
    role = boto.client("iam").get_role(RoleName="trail-to-logs")["Role"]["Arn"]
    key = boto.client("kms").create_key(Description="organization trail", Policy=json.dumps(
        trail_key_policy(ACCOUNT_ID)))["KeyMetadata"]["Arn"]
    trails = boto.client("cloudtrail")
    trails.create_trail(Name="organization-trail", S3BucketName="organization-trail-logs", IsOrganizationTrail=True,
                        IsMultiRegionTrail=True, EnableLogFileValidation=True, IncludeGlobalServiceEvents=True,
                        KmsKeyId=key, CloudWatchLogsLogGroupArn=group["arn"], CloudWatchLogsRoleArn=role)
    trails.start_logging(Name="organization-trail")


MFA_SCP = {"Version": "2012-10-17", "Statement": [REQUIRE_MFA["Statement"][1]]}
ONLY_TRAIL = {"IsMultiRegionTrail": False, "EnableLogFileValidation": True, "IncludeGlobalServiceEvents": True}
NO_VALIDATION = {"IsMultiRegionTrail": True, "EnableLogFileValidation": False, "IncludeGlobalServiceEvents": True}

# name -> (OU path, what to seed (None: closed), controls expected to fail, controls expected to pass)
MEMBERS = {
    "secure": ("Workloads/Prod", Account(), set(), set(LIVE)),
    # the organization trail covers it in every region; its log group's alarms are the management account's
    "no-trail": ("Workloads/Prod", Account(trail=None), set(),
                 {"AG_TRAIL_1", "AG_TRAIL_2", "AG_TRAIL_3", "AG_TRAIL_4", "AG_MON_1"}),
    "quick": ("Sandbox", insecure(), {"AG_ROOT_1", "AG_ROOT_2", "AG_ROOT_4", "AG_PWD_1", "AG_MFA_1", "AG_MFA_3",
                                      "AG_KEY_1", "AG_KEY_2", "AG_BILL_1", "AG_DET_1", "AG_DET_2"},
              {"AG_TRAIL_1", "AG_TRAIL_2", "AG_TRAIL_3", "AG_TRAIL_4"}),
    "no-password-policy": ("Workloads/Dev", Account(password_policy=None), {"AG_PWD_1"}, set(LIVE) - {"AG_PWD_1"}),
    "user-without-mfa": ("Workloads/Dev", Account(human_mfa=False), {"AG_MFA_3"}, set(LIVE) - {"AG_MFA_3"}),
    "old-key": ("Workloads/Dev", Account(reader_key_age_days=400), {"AG_KEY_2"}, set(LIVE) - {"AG_KEY_2"}),
    "admin-key": ("Workloads/Dev", Account(admin_key=True), {"AG_KEY_1"}, set(LIVE) - {"AG_KEY_1"}),
    "no-guardduty": ("Workloads", Account(guardduty_regions=()), {"AG_DET_1"}, set(LIVE) - {"AG_DET_1"}),
    "guardduty-one-region": ("Workloads", Account(guardduty_regions=("eu-west-1",)), {"AG_DET_1"}, set()),
    "no-analyzer": ("Workloads", Account(analyzer_regions=()), {"AG_DET_2"}, set(LIVE) - {"AG_DET_2"}),
    "root-keys": ("Sandbox", Account(root=Root(access_key=True)), {"AG_ROOT_1"}, {"AG_ROOT_2", "AG_PWD_1"}),
    "root-used": ("Sandbox", Account(root=Root(last_used=NOW - timedelta(days=2))), {"AG_ROOT_4"}, {"AG_ROOT_1"}),
    "no-billing-alarm": ("Sandbox", Account(billing_alarm=False), {"AG_BILL_1"}, set(LIVE) - {"AG_BILL_1"}),
    "no-mfa-policy": ("Sandbox", Account(mfa_policy=None), {"AG_MFA_1", "AG_MFA_2"}, {"AG_PWD_1"}),
    # the SCP over the Guarded OU denies everything but MFA self-service without MFA
    "mfa-by-scp": ("Guarded", Account(mfa_policy=None), set(), {"AG_MFA_1", "AG_MFA_2"}),
    # its own trail is in one region only; the organization trail covers every region
    "one-region-trail": ("Workloads", Account(trail=ONLY_TRAIL), set(), {"AG_TRAIL_1"}),
    # every trail it shows must validate: its own does not, whatever the organization trail does
    "no-validation": ("Workloads", Account(trail=NO_VALIDATION), {"AG_TRAIL_2"}, {"AG_TRAIL_1"}),
    "refuses": ("Sandbox", Account(), set(), set()),
    "closed": ("Sandbox", None, set(), set()),
}


@pytest.fixture(scope="module")
def pace():
    """How slowly this machine seeded the 20-account organization (tests/moto_account.py's Pace): its
    scans get their deadline and report timeout scaled by it, since on a loaded machine their
    thousand-odd reads can outlast the default deadline."""
    return Pace()


@pytest.fixture(scope="module")
def big(moto, pace):
    """The 20-account organization (management + 19 members), seeded once, scanned in
    this process (Stubbers for what moto lacks) and by the CLI in a subprocess."""
    moto.clear()
    reset(moto.url)
    members = [Member(name, ou, account if account is not None else Account(), closed=account is None)
               for name, (ou, account, _, _) in MEMBERS.items()]
    with pace:
        seeded = organization(Account(extra=[_organization_trail]), members,
                              scps={"require-mfa": (MFA_SCP, ["Guarded"])})
    moto.fail("AssumeRole", 403, "AccessDenied", times=1000, account=seeded.ids["refuses"], message=ROLE_REFUSED)
    scan = load_organization(session=session(), regions=REGIONS, overrides=seeded.overrides_for, concurrency=8,
                             report_timeout=pace.scaled(10), deadline=pace.scaled(limits.LIVE_DEADLINE_SECONDS))
    judged = {a.account.name: a for a in evaluate_organization(scan)}
    yield seeded, scan, judged
    moto.clear()


def _statuses(judged):
    return {r.control.id: r.status.value for r in judged.results}


def test_the_organization_has_twenty_accounts_and_every_one_is_listed(big):
    seeded, scan, judged = big
    assert len(scan.accounts) == 20 and set(judged) == set(MEMBERS) | {"master"}
    assert judged["secure"].account.path == "Root/Workloads/Prod"
    assert judged["master"].account.path == "Root"


@pytest.mark.parametrize("name", [n for n in MEMBERS if n not in ("refuses", "closed")])
def test_each_member_gets_the_verdicts_aws_would_give(big, name):
    _, _, judged = big
    _, _, failing, passing = MEMBERS[name]
    statuses = _statuses(judged[name])
    assert {c for c, s in statuses.items() if s == "fail"} >= failing
    assert {c for c in passing if statuses[c] != "pass"} == set()
    if passing == set(LIVE) - failing:  # every other control named: nothing else fails or errors
        assert {c for c, s in statuses.items() if s in ("fail", "error") and c != "AG_ORG_1"} == failing


def test_ag_org_1_fails_every_member_whose_scps_do_not_deny_the_guardrails(big):
    """FullAWSAccess allows everything; the MFA SCP's Deny holds only without MFA (it depends on
    the request) and denies nothing of AG_ORG_1's list for good: no member is held
    (Organizations User Guide, SCP evaluation), so AG_ORG_1 fails in every member and, in the
    management account's view, for the organization."""
    _, _, judged = big
    for name, account in judged.items():
        if account.account.inventory is not None:
            assert _statuses(account)["AG_ORG_1"] == "fail", name


def test_the_management_account_is_judged_with_its_own_credentials_and_passes(big):
    _, scan, judged = big
    assert scan.caller_account_id == ACCOUNT_ID and judged["master"].account.account_id == ACCOUNT_ID
    assert {c for c, s in _statuses(judged["master"]).items() if s not in ("pass", "not_applicable")} == \
        {"AG_ORG_1"}
    assert "sts:AssumeRole" in scan.api_calls and scan.api_calls["sts:AssumeRole"] == 18  # 19 members, 1 closed


def test_a_member_refusing_the_role_is_an_error_naming_role_and_refusal_and_the_others_are_judged(big):
    seeded, _, judged = big
    refused = judged["refuses"]
    assert refused.account.inventory is None
    messages = {f.message for r in refused.results for f in r.findings}
    assert {r.control.id for r in refused.results} == set(ALL_LIVE)
    assert {r.status.value for r in refused.results} == {"error"}
    assert len(messages) == 1
    message, = messages
    assert f"arn:aws:iam::{seeded.ids['refuses']}:role/accountguard-scanner" in message and "AccessDenied" in message
    assert judged["secure"].account.inventory is not None


def test_a_suspended_account_is_listed_and_skipped_with_the_reason(big):
    _, _, judged = big
    closed = judged["closed"]
    assert closed.account.status == "SUSPENDED" and closed.results == []
    assert "suspended" in closed.account.skipped


def test_a_member_holds_only_the_scps_above_it_and_the_management_account_none_apply(big):
    seeded, _, judged = big
    guarded = judged["mfa-by-scp"].account.inventory
    names = {r.values["name"] for r in guarded.of_type("aws_organizations_policy")}
    assert names == {"FullAWSAccess", "require-mfa"}
    targets = {r.values["target_id"] for r in guarded.of_type("aws_organizations_policy_attachment")}
    assert targets <= {seeded.root_id, seeded.units["Guarded"], seeded.ids["mfa-by-scp"]}
    elsewhere = judged["no-mfa-policy"].account.inventory
    assert {r.values["name"] for r in elsewhere.of_type("aws_organizations_policy")} == {"FullAWSAccess"}
    management = judged["master"].account.inventory
    assert len(management.of_type("aws_organizations_account")) == 20
    assert management.facts["scp_targets"] == frozenset()  # SCPs never restrict the management account
    assert not any("@" in json.dumps(r.values) for r in management.of_type("aws_organizations_organization"))


def test_every_call_of_the_organization_scan_is_read_only_and_in_the_scanner_policy(big):
    """The management account's reads (Organizations) and every member's, against
    examples/iam/accountguard-scanner.json; the one other call is sts:AssumeRole."""
    from accountguard.sources.live.reader import permission_of
    _, scan, _ = big
    policy = json.loads((Path(__file__).parent.parent / "examples" / "iam" / "accountguard-scanner.json").read_text())
    allowed = {a for st in policy["Statement"] for a in ([st["Action"]] if isinstance(st["Action"], str)
                                                         else st["Action"])}
    calls = set(scan.api_calls)
    for account in scan.accounts:
        if account.inventory is not None:
            calls |= set(account.inventory.facts["api_calls"])
    assert {c for c in calls if c.startswith("organizations:")} == {
        "organizations:DescribeOrganization", "organizations:ListRoots", "organizations:ListAccounts",
        "organizations:ListOrganizationalUnitsForParent", "organizations:ListAccountsForParent",
        "organizations:ListPolicies", "organizations:DescribePolicy", "organizations:ListTargetsForPolicy",
        "organizations:ListDelegatedAdministrators"}  # for Access Analyzer's delegated administrator
    for action in calls - {"sts:AssumeRole", "sts:GetCallerIdentity"}:
        assert action.split(":", 1)[1].startswith(("Get", "List", "Describe", "GenerateCredentialReport")), action
        assert permission_of(action) in allowed, action
    members = [a.inventory.facts["api_calls"] for a in scan.accounts
               if a.inventory is not None and a.account_id != ACCOUNT_ID]
    assert not any(c.startswith("organizations:") for calls in members for c in calls)  # read once, centrally


def test_the_exit_code_covers_every_account(big):
    _, _, judged = big
    assert organization_failed(list(judged.values()))


def _env(moto, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-1",
               AWS_ENDPOINT_URL=moto.url, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    if env.get("AWS_ENDPOINT_URL") == moto.url:
        env["HTTP_PROXY"] = proxied(moto.url)["http"]
    return env


def _cli(moto, *args, timeout=300, **env):
    return subprocess.run([sys.executable, "-m", "accountguard", "live", "--organization", *args],
                          capture_output=True, text=True, env=_env(moto, **env), timeout=timeout)


@pytest.fixture(scope="module")
def cli_report(big, moto, pace):
    """The CLI's JSON report of the same organization. In another process there are no
    Stubbers: Access Analyzer and ListOrganizationsFeatures answer AccessDenied."""
    for operation in ("ListAnalyzers", "ListOrganizationsFeatures"):
        moto.fail(operation, 403, "AccessDeniedException", times=10_000)
    deadline = pace.scaled(limits.LIVE_DEADLINE_SECONDS)
    done = _cli(moto, "--region", "eu-west-1", "--region", "us-east-1", "--format", "json", "--report-timeout",
                str(pace.scaled(10)), "--deadline", str(deadline), timeout=deadline + 60)
    seeded = big[0]
    moto.fail("AssumeRole", 403, "AccessDenied", times=1000, account=seeded.ids["refuses"], message=ROLE_REFUSED)
    return done


def test_cli_reports_every_account_with_its_id_name_and_path(big, cli_report):
    seeded, _, _ = big
    assert cli_report.returncode == 1, cli_report.stderr
    report = json.loads(cli_report.stdout)
    rows = {a["account_name"]: a for a in report["organization"]["accounts"]}
    assert set(rows) == set(MEMBERS) | {"master"}
    assert rows["secure"]["account_path"] == "Root/Workloads/Prod"
    assert rows["closed"]["verdict"] == "skipped" and "suspended" in rows["closed"]["reason"]
    assert rows["refuses"]["verdict"] == "error" and "accountguard-scanner" in rows["refuses"]["reason"]
    assert all({"account_id", "account_name", "account_path", "control", "status"} <= set(r)
               for r in report["results"])
    by: dict = {}
    for r in report["results"]:
        by.setdefault((r["account_name"], r["control"]), set()).add(r["status"])
    assert "fail" in by[("admin-key", "AG_KEY_1")] and by[("secure", "AG_KEY_1")] == {"pass"}
    assert by[("secure", "AG_DET_2")] == {"error"}  # ListAnalyzers refused: an error, never a pass
    assert {"source", "results", "configuration", "accountguard_version", "summary", "api_calls"} <= set(report)


@pytest.mark.parametrize("form", ["text", "markdown", "sarif", "junit"])
def test_cli_every_format_names_the_accounts(big, moto, cli_report, form, tmp_path):
    seeded, _, _ = big
    done = _cli(moto, "--region", "eu-west-1", "--format", form, "--report-timeout", "10",
                "--account", seeded.ids["admin-key"], "--account", seeded.ids["closed"])
    assert done.returncode == 1, done.stderr
    assert seeded.ids["admin-key"] in done.stdout and seeded.ids["closed"] in done.stdout
    assert seeded.ids["secure"] not in done.stdout
    if form == "sarif":
        from test_reports import SCHEMA
        import jsonschema
        jsonschema.validate(json.loads(done.stdout), SCHEMA)
    if form == "junit":
        import junitparser
        path = tmp_path / "report.xml"
        path.write_text(done.stdout)
        assert len(list(junitparser.JUnitXml.fromfile(str(path)))) == 2  # a suite per account


def test_cli_exclude_and_bad_selections(big, moto, cli_report):
    seeded, _, _ = big
    done = _cli(moto, "--region", "eu-west-1", "--format", "json", "--report-timeout", "10",
                "--account", seeded.ids["secure"], "--account", seeded.ids["no-trail"],
                "--exclude", seeded.ids["no-trail"])
    report = json.loads(done.stdout)
    assert [a["account_name"] for a in report["organization"]["accounts"]] == ["secure"]
    for args, words in ((("--account", "111111111111"), "not in organization"),
                        (("--account", "abc"), "12-digit account ID"),
                        (("--concurrency", "0"), "concurrency"),
                        (("--role-name", "bad role"), "is not an IAM role name")):
        done = _cli(moto, *args)
        assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
        assert words in done.stderr


def test_cli_names_from_aws_are_escaped(moto):
    moto.clear()
    reset(moto.url)
    seeded = organization(None, [Member("evil\x1b[31m\n##[error]", "Sandbox", None)])
    done = _cli(moto, "--region", "eu-west-1", "--report-timeout", "10", "--account", seeded.ids["management"],
                "--account", seeded.ids["evil\x1b[31m\n##[error]"])
    moto.clear()
    assert "\x1b" not in done.stdout and "\n##[error]" not in done.stdout and "##[error]" not in done.stdout
    assert "evil\\x1b[31m\\n" in done.stdout


def test_a_standalone_account_is_told_in_one_line(moto):
    moto.clear()
    reset(moto.url)
    done = _cli(moto)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"accountguard: account {ACCOUNT_ID} is not in an AWS Organization; judge it " \
                                  f"with `accountguard live` alone"


def test_progress_line_on_a_terminal_and_none_when_piped(moto):
    import pty
    moto.clear()
    reset(moto.url)
    organization(None, [Member("one", "", None), Member("two", "", None)])
    for operation in ("ListAnalyzers", "ListOrganizationsFeatures"):
        moto.fail(operation, 403, "AccessDeniedException", times=1000)
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "accountguard", "live", "--organization", "--region",
                                "eu-west-1", "--report-timeout", "5"], stdout=subprocess.PIPE, stderr=follower,
                               env=_env(moto))
    os.close(follower)
    stdout, _ = process.communicate(timeout=300)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert b"3/3 accounts" in seen and b"\r" in seen
    assert b"accountguard: organization o-" in seen  # the summary line at the end
    piped = _cli(moto, "--region", "eu-west-1", "--report-timeout", "5")
    moto.clear()
    assert "accounts (" not in piped.stderr and len(piped.stderr.splitlines()) == 1


# --- faults, on a small organization -------------------------------------------------------------------------

def _small(moto):
    moto.clear()
    reset(moto.url)
    return organization(Account(), [Member("a", "Workloads"), Member("b", "Workloads"), Member("c", "Sandbox")])


def _scan(seeded, **kwargs):
    kwargs.setdefault("report_timeout", 10)
    return load_organization(session=session(), regions=["eu-west-1"], overrides=seeded.overrides_for, **kwargs)


def test_throttling_on_organizations_and_sts_is_retried(moto):
    seeded = _small(moto)
    moto.fail("ListAccountsForParent", 400, "TooManyRequestsException", times=2, message="Rate exceeded")
    moto.fail("ListRoots", 400, "TooManyRequestsException", times=1, message="Rate exceeded")
    moto.fail("AssumeRole", 400, "Throttling", times=1, account=seeded.ids["b"], message="Rate exceeded")
    scan = _scan(seeded)
    assert moto.served.count("ListAccountsForParent") == 2 and "AssumeRole" in moto.served
    assert all(a.inventory is not None for a in scan.accounts), [a.error for a in scan.accounts]
    assert "ListRoots" in moto.served and scan.api_calls["organizations:ListRoots"] == 1  # a call, not attempts


def test_one_member_endpoint_failing_is_that_members_error_only(moto):
    seeded = _small(moto)
    moto.fail("GetAccountAuthorizationDetails", 500, "InternalError", times=1000, account=seeded.ids["b"])
    judged = {a.account.name: _statuses(a) for a in evaluate_organization(_scan(seeded))}
    assert judged["b"]["AG_MFA_2"] == "error" and judged["b"]["AG_KEY_1"] == "error"
    assert judged["b"]["AG_TRAIL_1"] == "pass"
    assert judged["a"]["AG_MFA_2"] == "pass" and judged["c"]["AG_KEY_1"] == "pass"


def test_the_deadline_cuts_across_accounts_and_names_those_not_reached(moto):
    seeded = _small(moto)
    first = sorted(seeded.ids.values())[0]
    moto.inject("GetAccountAuthorizationDetails", Fault(status=None, delay=60), times=5, account=first)
    scan = _scan(seeded, deadline=6, concurrency=1)
    moto.clear()
    by_id = {a.account_id: a for a in scan.accounts}
    assert "deadline" in by_id[first].inventory.unreadable["aws_iam_user"]
    later = [a for a in scan.accounts if a.account_id != first]
    assert later and all(a.inventory is None and "before this account was reached" in a.error for a in later)
    judged = evaluate_organization(scan)
    assert organization_failed(judged)
    for a in judged:
        if a.account.account_id != first:
            assert {r.status.value for r in a.results} == {"error"}


def test_an_organization_that_cannot_be_read_is_one_line(moto):
    seeded = _small(moto)
    moto.fail("ListRoots", 403, "AccessDeniedException", times=5, message="You don't have permissions")
    done = _cli(moto)
    moto.clear()  # the scan uses up one (an AccessDenied is not retried): the rest would refuse the worker's next test
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert "organizations:ListRoots was refused" in done.stderr and "management account" in done.stderr
    del seeded


def test_centralized_root_access_passes_a_member_root_without_credentials(moto):
    """RootCredentialsManagement enabled, seen from the management account: a member
    whose root has no password and no keys passes AG_ROOT_1..3 for that reason; a
    member root that still has a password is judged as it is."""
    moto.clear()
    reset(moto.url)
    management = Account(organization_features=("RootCredentialsManagement", "RootSessions"))
    seeded = organization(management, [
        Member("no-root-credentials", "", Account(root=Root(mfa=None, password=False, last_used=None))),
        Member("root-password", "", Account(root=Root(mfa=None, password=True)))])
    judged = {a.account.name: a for a in evaluate_organization(_scan(seeded))}
    central = judged["no-root-credentials"]
    for control in ("AG_ROOT_1", "AG_ROOT_2", "AG_ROOT_3"):
        result, = [r for r in central.results if r.control.id == control]
        assert result.status.value == "pass" and "managed centrally" in result.findings[0].message
    assert _statuses(judged["root-password"])["AG_ROOT_2"] == "fail"


def test_without_central_root_access_a_member_root_without_mfa_fails(moto):
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("no-root-credentials", "",
                                             Account(root=Root(mfa=None, password=False, last_used=None)))])
    judged = {a.account.name: _statuses(a) for a in evaluate_organization(_scan(seeded))}
    assert judged["no-root-credentials"]["AG_ROOT_2"] == "fail"


# --- pytest, with and without xdist -----------------------------------------------------------------------

def test_pytest_runs_one_test_per_account_and_control_with_and_without_xdist(moto, pytester, monkeypatch):
    """management (secure), "keyed" (an admin key: AG_KEY_1 fails), "clean" (secure), "closed"
    (suspended), judged by pytest in one process and then by two xdist workers (the scans only
    read, so both runs see the organization seeded once)."""
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("keyed", "Workloads", Account(admin_key=True)),
                                      Member("clean", "Workloads"), Member("closed", "", None, closed=True)])
    for key, value in _env(moto).items():
        monkeypatch.setenv(key, value)
    for workers in (None, "2"):
        moto.clear()
        for operation in ("ListAnalyzers", "ListOrganizationsFeatures"):  # no Stubbers in another process
            moto.fail(operation, 403, "AccessDeniedException", times=10_000)
        for operation in ("AssumeRole", "GetAccountAuthorizationDetails"):  # counted: moto answers them
            moto.inject(operation, Fault(status=None), times=10_000)
        result = pytester.runpytest_subprocess("--pyargs", "accountguard", "-m", "live", "--aws-organization",
                                               "--aws-region", "eu-west-1",
                                               *(("-n", workers, "--dist", "loadgroup") if workers else ()))
        served = list(moto.served)
        outcomes = result.parseoutcomes()
        # three active accounts: AG_DET_2 errors in each (ListAnalyzers refused), AG_KEY_1 fails in
        # "keyed", AG_ORG_1 fails in each member (no SCP denies its guardrails) and in the management
        # account's own view; the suspended account's tests are skipped with the reason
        assert outcomes["failed"] == 4 + 3 and outcomes["passed"] == 3 * (len(LIVE) - 1) - 1, workers
        assert outcomes["skipped"] == len(ALL_LIVE)
        assert any("FAILED" in line and "AG_KEY_1" in line and f"{seeded.ids['keyed']}-keyed" in line
                   for line in result.stdout.lines)
        # a process scans only the accounts of its tests, each once; with --dist loadgroup an
        # account's tests run on one worker, so each member is scanned once in all, and the
        # management account (whose organization trail and root access its members are credited
        # with) once per process that needs it
        processes = int(workers or 1)
        assert served.count("AssumeRole") == 2, workers
        assert 3 <= served.count("GetAccountAuthorizationDetails") <= 2 + processes, workers
    moto.clear()


# --- the scanner role of the README, as Terraform ---------------------------------------------------------

@pytest.mark.terraform
def test_the_scanner_role_terraform_validates_and_plans_a_read_only_role_only_the_organization_can_assume(tmp_path):
    """docs/organization/scanner-role: `terraform validate`, then a plan (no AWS: credentials and
    account lookups skipped) whose trust policy names the scanner principal, requires the
    organization ID and the external ID, and whose permissions are SecurityAudit and ViewBudget."""
    import shutil
    import fixturegen
    source = fixturegen.ROOT / "docs" / "organization" / "scanner-role"
    work = tmp_path / "scanner-role"
    shutil.copytree(source, work)
    (work / "provider.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n  skip_credentials_validation = true\n'
                                      '  skip_requesting_account_id = true\n  skip_metadata_api_check = true\n}\n')
    env = fixturegen._environment(str(tmp_path / "data"))
    fixturegen._init("scanner-role", work, env)
    assert json.loads(fixturegen._terraform("scanner-role", work, env, "validate", "-json"))["valid"] is True
    principal = "arn:aws:iam::111111111111:role/accountguard"
    plan = fixturegen._plan("scanner-role", work, env, "-refresh=false", f"-var=scanner_principal_arn={principal}",
                            "-var=organization_id=o-abcdefghij", "-var=external_id=ext-1")
    resources = {r["address"]: r["values"] for r in plan["planned_values"]["root_module"]["resources"]}
    trust, = json.loads(resources["aws_iam_role.scanner"]["assume_role_policy"])["Statement"]
    assert resources["aws_iam_role.scanner"]["name"] == "accountguard-scanner"
    assert trust["Principal"] == {"AWS": principal} and trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": "o-abcdefghij", "sts:ExternalId": "ext-1"}
    assert resources["aws_iam_role_policy_attachment.security_audit"]["policy_arn"] == \
        "arn:aws:iam::aws:policy/SecurityAudit"
    budgets = json.loads(resources["aws_iam_role_policy.budgets"]["policy"])["Statement"]
    assert [s["Action"] for s in budgets] == ["budgets:ViewBudget"]


def test_a_member_scanned_alone_that_may_not_list_the_organization(moto):
    """AWS refuses ListRoots to a member account (moto does not): the organization's structure
    is unreadable there, its SCPs are left out, and IAM is judged without them (they only deny)."""
    from accountguard.engine import evaluate
    from accountguard.sources.live import load_account
    from moto_account import member_session
    seeded = _small(moto)
    member = seeded.ids["a"]
    moto.fail("ListRoots", 403, "AccessDeniedException", times=5, account=member,
              message="You don't have permissions to access this resource.")
    inventory = load_account(session=member_session(member), regions=["eu-west-1"], report_timeout=10,
                             overrides=seeded.overrides_for(member))
    moto.clear()
    assert set(inventory.unreadable) >= {"aws_organizations_organization", "aws_organizations_organizational_unit",
                                         "aws_organizations_account"}
    assert "organizations:ListRoots was refused" in inventory.unreadable["aws_organizations_organization"]
    assert "aws_organizations_policy" not in inventory.unreadable and not inventory.of_type("aws_organizations_policy")
    statuses = {r.control.id: r.status.value for r in evaluate(inventory)}
    assert statuses["AG_MFA_2"] == "pass" and statuses["AG_KEY_1"] == "pass"


# --- an organization read in part ------------------------------------------------------------------------

GUARD_SCP = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                                                     "Resource": "*"}]}


def _guarded(moto):
    moto.clear()
    reset(moto.url)
    return organization(Account(), [Member("a", "Workloads"), Member("g", "Guarded")],
                        scps={"guard": (GUARD_SCP, ["Guarded"])})


def test_an_scp_that_cannot_be_read_is_an_error_for_ag_org_1_where_it_may_apply_only(moto):
    """DescribePolicy is refused for "guard", attached to the Guarded OU only (ListPolicies lists
    FullAWSAccess first, which is read). Whether SCPs hold "g" cannot be known: AG_ORG_1 is an
    error naming the refused call, in g and in the management account's view of every member.
    "a" is under FullAWSAccess alone, which denies nothing: AG_ORG_1 fails there, as AWS's SCP
    evaluation would have it. Every other control is judged in every account, and IAM without
    the unread SCP (an SCP only denies)."""
    seeded = _guarded(moto)
    moto.inject("DescribePolicy", Fault(status=None), times=1)  # moto answers the first (FullAWSAccess)
    moto.fail("DescribePolicy", 403, "AccessDeniedException", times=1, message="You don't have permissions")
    judged = {a.account.name: {r.control.id: r for r in a.results} for a in evaluate_organization(_scan(seeded))}
    moto.clear()
    for name in ("g", "master"):
        result = judged[name]["AG_ORG_1"]
        assert result.status.value == "error", name
        assert "organizations:DescribePolicy was refused" in result.findings[0].message, name
    assert judged["a"]["AG_ORG_1"].status.value == "fail"
    for name, results in judged.items():
        assert {c for c, r in results.items() if r.status.value == "error"} <= {"AG_ORG_1"}, name
        assert results["AG_KEY_1"].status.value == "pass" and results["AG_MFA_2"].status.value == "pass", name


def test_policies_that_cannot_be_listed_make_ag_org_1_an_error_everywhere_and_the_run_exits_by_the_verdicts(moto):
    """ListPolicies refused: no account's SCPs are known, so AG_ORG_1 is an error in each; the
    other controls are still judged and the CLI exits 1 (an error verdict), not 2 (bad input)."""
    seeded = _guarded(moto)
    moto.fail("ListPolicies", 403, "AccessDeniedException", times=1, message="You don't have permissions")
    for operation in ("ListAnalyzers", "ListOrganizationsFeatures"):  # no Stubbers in another process
        moto.fail(operation, 403, "AccessDeniedException", times=10_000)
    done = _cli(moto, "--region", "eu-west-1", "--format", "json", "--report-timeout", "10")
    moto.clear()
    assert done.returncode == 1, done.stderr
    by: dict = {}
    for r in json.loads(done.stdout)["results"]:
        by.setdefault((r["account_name"], r["control"]), set()).add(r["status"])
    for name in ("a", "g", "master"):
        assert by[(name, "AG_ORG_1")] == {"error"}, name
        assert by[(name, "AG_KEY_1")] == {"pass"} and by[(name, "AG_TRAIL_1")] == {"pass"}, name
    message, = {r["message"] for r in json.loads(done.stdout)["results"]
                if r["control"] == "AG_ORG_1" and r["account_name"] == "g"}
    assert "organizations:ListPolicies was refused" in message
    del seeded
