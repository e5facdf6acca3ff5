"""Delegated administrators in an organization scan: GuardDuty and IAM Access
Analyzer run from one account for the others (accountguard/sources/live/delegated.py).

Expected verdicts, from AWS's documentation:
- GuardDuty: the delegated administrator of a region is the account
  ListOrganizationAdminAccounts names; it monitors only the members ListMembers
  shows with RelationshipStatus Enabled, in that region (GuardDuty User Guide,
  Managing GuardDuty accounts with AWS Organizations). An account it does not
  show as such is not known to be monitored: AG_DET_1 judges it on its own detectors.
- Access Analyzer: "an analyzer with the organization as the zone of trust"
  analyzes the resources of every account of the organization, in its region; it
  is created in the management account or a delegated administrator for
  access-analyzer.amazonaws.com (IAM User Guide, Zone of trust; Delegated
  administrator for IAM Access Analyzer). The *_UNUSED_ACCESS analyzers report
  unused access, not external access, and an analyzer that is not ACTIVE
  analyzes nothing yet.

moto models ListOrganizationAdminAccounts, ListDetectors, GetDetector and
ListDelegatedAdministrators, but neither guardduty:ListMembers (it answers 404)
nor Access Analyzer at all: ListAnalyzers gets the Stubber override the other
live tests use (tests/moto_account.py), and GuardDuty membership is tested
through moto only as far as moto goes (a members list it cannot give credits
nothing), the crediting itself on the scanned inventories.
"""
import pytest
from moto_account import HOME, NOW, REGIONS, Account, Clients, Member, organization, reset, session

from accountguard.engine import evaluate
from accountguard.model import Resource
from accountguard.organization import evaluate_organization
from accountguard.sources.live.delegated import Delegated
from accountguard.sources.live.organization_scan import credit, load_organization

pytestmark = pytest.mark.xdist_group("moto-organization")


def _analyzer(kind="ORGANIZATION", status="ACTIVE", regions=REGIONS, account_id=None):
    """ListAnalyzers of an account holding one analyzer of this type and status in `regions`."""
    from botocore.stub import Stubber

    def client(boto, region):
        made = boto.client("accessanalyzer", region_name=region)
        stubber = Stubber(made)
        found = [{"arn": f"arn:aws:access-analyzer:{region}:{account_id}:analyzer/organization",
                  "name": "organization", "type": kind, "createdAt": NOW, "status": status}] \
            if region in regions else []
        stubber.add_response("list_analyzers", {"analyzers": found})
        stubber.activate()
        return made
    return client


def _scan(seeded, regions=REGIONS):
    return load_organization(session=session(), regions=regions, overrides=seeded.overrides_for, report_timeout=10)


def _statuses(scan):
    return {a.account.name: {r.control.id: r for r in a.results} for a in evaluate_organization(scan)}


def _names(seeded):
    return {v: k for k, v in seeded.ids.items()}


def test_a_guardduty_administrator_whose_members_cannot_be_read_credits_nobody(moto):
    """The management account makes "gd-admin" GuardDuty's administrator in eu-west-1; moto
    cannot list its members (guardduty:ListMembers answers 404), so "bare", without a detector
    of its own, is not known to be monitored: AG_DET_1 fails in both regions, and a note names
    the administrator and the call."""
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("gd-admin", "Security"), Member("bare", "Workloads",
                                                                             Account(guardduty_regions=()))])
    Clients().client("guardduty", HOME).enable_organization_admin_account(
        AdminAccountId=seeded.ids["gd-admin"])
    scan = _scan(seeded)
    judged = _statuses(scan)
    bare = judged["bare"]["AG_DET_1"]
    assert bare.status.value == "fail"
    assert {f.message for f in bare.findings} == {"there is no GuardDuty detector in eu-west-1, us-east-1"}
    note, = [n for n in scan.notes if "GuardDuty in eu-west-1" in n]
    assert seeded.ids["gd-admin"] in note and "guardduty:ListMembers" in note
    assert scan.api_calls["guardduty:ListOrganizationAdminAccounts"] == 2  # one per region, from the management
    assert scan.api_calls["guardduty:ListMembers"] >= 1  # made in gd-admin through the scanner role
    assert judged["gd-admin"]["AG_DET_1"].status.value == "pass"  # its own detectors


def test_a_refused_admin_listing_credits_nobody_and_says_so(moto):
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("bare", "", Account(guardduty_regions=()))])
    moto.fail("ListOrganizationAdminAccounts", 403, "AccessDeniedException", times=10)
    scan = _scan(seeded, regions=[HOME])
    assert _statuses(scan)["bare"]["AG_DET_1"].status.value == "fail"
    assert any("GuardDuty in eu-west-1" in n and "guardduty:ListOrganizationAdminAccounts was refused" in n
               for n in scan.notes), scan.notes


@pytest.fixture
def bare_member(moto):
    """A scanned member without detector or analyzer of its own, and the organization's reader."""
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("bare", "", Account(guardduty_regions=(), analyzer_regions=()))])
    scan = _scan(seeded)
    account, = [a for a in scan.accounts if a.name == "bare"]
    return seeded, account.inventory


def _detector(admin, region, enrolled):
    arn = f"arn:aws:guardduty:{region}:{admin}:detector/d1"
    return Resource(arn, "aws_guardduty_detector", {"id": "d1", "enable": True, "status": "ENABLED"},
                    region=region), frozenset(enrolled)


def _judge(inventory, control):
    result, = [r for r in evaluate(inventory) if r.control.id == control]
    return result


def test_an_enrolled_member_is_credited_only_in_the_regions_its_administrator_monitors_it(bare_member):
    """The administrator's detector monitors "bare" in eu-west-1 only: AG_DET_1 passes there on
    that detector and still fails for us-east-1 (GuardDuty is regional)."""
    seeded, inventory = bare_member
    member = seeded.ids["bare"]
    covered = Delegated(detectors={"eu-west-1": _detector("111111111111", "eu-west-1", {member})})
    credited = credit(inventory, None, None, covered)
    result = _judge(credited, "AG_DET_1")
    assert result.status.value == "fail"
    by = {f.status.value: f for f in result.findings}
    assert by["pass"].subject == "arn:aws:guardduty:eu-west-1:111111111111:detector/d1"
    assert by["fail"].message == "there is no GuardDuty detector in us-east-1"
    assert any("111111111111 covers this account in eu-west-1" in n for n in credited.notes)


def test_a_member_the_administrator_does_not_monitor_is_not_credited(bare_member):
    """The administrator's detector lists other accounts (or this one with a status other than
    Enabled, which delegated.py leaves out of the enrolled set): nothing is credited."""
    seeded, inventory = bare_member
    covered = Delegated(detectors={r: _detector("111111111111", r, {"222222222222"}) for r in REGIONS})
    assert _judge(credit(inventory, None, None, covered), "AG_DET_1").status.value == "fail"


def test_no_credit_where_the_members_own_guardduty_read_failed(bare_member):
    """Fail closed as for trails: a member whose own ListDetectors failed stays an error."""
    seeded, inventory = bare_member
    inventory.unreadable["aws_guardduty_detector"] = "guardduty:ListDetectors was refused (AccessDenied)"
    covered = Delegated(detectors={r: _detector("111111111111", r, {seeded.ids["bare"]}) for r in REGIONS})
    assert _judge(credit(inventory, None, None, covered), "AG_DET_1").status.value == "error"


def test_an_active_organization_analyzer_of_the_management_account_covers_every_member(moto):
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("bare", "", Account(analyzer_regions=()))])
    seeded.overrides[seeded.ids["management"]]["accessanalyzer:ListAnalyzers"] = \
        _analyzer(account_id=seeded.ids["management"])
    result = _statuses(_scan(seeded))["bare"]["AG_DET_2"]
    assert result.status.value == "pass"
    assert {f.subject for f in result.findings} == {
        f"arn:aws:access-analyzer:{r}:{seeded.ids['management']}:analyzer/organization" for r in REGIONS}


@pytest.mark.parametrize("kind,status,regions", [
    ("ORGANIZATION_UNUSED_ACCESS", "ACTIVE", REGIONS),  # reports unused access, not external access
    ("ORGANIZATION", "CREATING", REGIONS),  # analyzes nothing yet
    ("ACCOUNT", "ACTIVE", REGIONS),  # its zone of trust is its own account
    ("ORGANIZATION", "ACTIVE", ["eu-west-1"]),  # Access Analyzer is regional: us-east-1 is not covered
])
def test_what_is_no_organization_analyzer_for_a_member_credits_nothing(moto, kind, status, regions):
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("bare", "", Account(analyzer_regions=()))])
    seeded.overrides[seeded.ids["management"]]["accessanalyzer:ListAnalyzers"] = \
        _analyzer(kind, status, regions, seeded.ids["management"])
    result = _statuses(_scan(seeded))["bare"]["AG_DET_2"]
    assert result.status.value == "fail"
    missing = [f.message for f in result.findings if f.message.startswith("there is no IAM Access Analyzer in ")]
    assert missing and "us-east-1" in missing[0] and ("eu-west-1" in missing[0]) is (regions == REGIONS)


def test_an_organization_analyzer_of_a_delegated_administrator_covers_the_members(moto):
    """"aa-admin" is registered as delegated administrator for access-analyzer.amazonaws.com and
    holds the organization analyzer; the management account holds none."""
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(analyzer_regions=()), [Member("aa-admin", "Security", Account(analyzer_regions=())),
                                                         Member("bare", "", Account(analyzer_regions=()))])
    admin = seeded.ids["aa-admin"]
    Clients().client("organizations", "us-east-1").register_delegated_administrator(
        AccountId=admin, ServicePrincipal="access-analyzer.amazonaws.com")
    seeded.overrides[admin]["accessanalyzer:ListAnalyzers"] = _analyzer(account_id=admin)
    scan = _scan(seeded)
    judged = _statuses(scan)
    assert judged["bare"]["AG_DET_2"].status.value == "pass"
    assert judged["master"]["AG_DET_2"].status.value == "pass"  # the organization holds the management account too
    assert scan.api_calls["organizations:ListDelegatedAdministrators"] == 1


def test_a_members_own_detector_that_is_off_is_not_made_good_by_the_administrator(moto):
    """GuardDuty analyzes a member through the member's own detector (the administrator sees its
    findings): "off" has a detector in each region, disabled, and the administrator lists it as
    Enabled; its own detectors decide, and they are off (AG_DET_1 fails)."""
    moto.clear()
    reset(moto.url)
    seeded = organization(Account(), [Member("off", "", Account())])
    member = seeded.ids["off"]
    guardduty = Clients(member).client("guardduty", HOME)
    for detector in guardduty.list_detectors()["DetectorIds"]:
        guardduty.update_detector(DetectorId=detector, Enable=False)
    account, = [a for a in _scan(seeded, regions=[HOME]).accounts if a.name == "off"]
    covered = Delegated(detectors={HOME: _detector("111111111111", HOME, {member})})
    result = _judge(credit(account.inventory, None, None, covered), "AG_DET_1")
    assert result.status.value == "fail"
    assert not any("111111111111" in f.subject for f in result.findings)
