"""What an organization's delegated administrators show covers its member
accounts, region by region: the GuardDuty detector that monitors them and the
organization analyzers of IAM Access Analyzer. Only facts AWS reports per member
are credited:

- GuardDuty: the administrator of each region is the one
  `guardduty:ListOrganizationAdminAccounts` names (from the management account)
  with AdminStatus ENABLED. A member is covered in that region when the
  administrator's detector there is ENABLED and `guardduty:ListMembers` lists the
  member with RelationshipStatus `Enabled` (GuardDuty User Guide, Managing
  accounts: only an Enabled member is monitored; Created, Invited, Disabled,
  Removed, Resigned, RegionDisabled and the others are not). Auto-enable
  (DescribeOrganizationConfiguration) is not read: it is a promise for accounts to
  come, and an account it already enrolled is listed as a member anyway.
- Access Analyzer: an analyzer of type ORGANIZATION, status ACTIVE, in the
  management account or an account `organizations:ListDelegatedAdministrators`
  names for access-analyzer.amazonaws.com: its zone of trust is the organization,
  so it reports what every account of it shares outside (IAM User Guide, Zone of
  trust). The *_UNUSED_ACCESS types report no external access (detection.py).

Whatever cannot be read credits nothing (the member is judged on what it has
itself) and is said in a note."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ...model import InputError, Resource
from .organizations import REGION as ORGANIZATIONS_REGION
from .reader import Reader, ReadFailed

ENROLLED = "enabled"  # RelationshipStatus of a monitored member, compared without case
ANALYZER_SERVICE = "access-analyzer.amazonaws.com"
ORGANIZATION_ANALYZER = "ORGANIZATION"


@dataclass
class Delegated:
    """Per region: the administrator's detector and the members it monitors, and
    the organization analyzers."""

    detectors: dict[str, tuple[Resource, frozenset[str]]] = field(default_factory=dict)
    analyzers: dict[str, list[Resource]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


ReaderOf = Callable[[str], Reader]  # account ID -> a Reader in that account (InputError when it cannot be had)


def read(caller: Reader, management_id: str, regions: Iterable[str], reader_of: ReaderOf) -> Delegated:
    """`caller`: the account the scan runs from, the management account (only it may list
    GuardDuty's administrators) or a delegated administrator for Organizations."""
    found = Delegated()
    regions = list(regions)
    for region in regions:
        _guardduty(found, caller, region, reader_of)
    _analyzers(found, caller, management_id, regions, reader_of)
    return found


def _guardduty(found: Delegated, management: Reader, region: str, reader_of: ReaderOf) -> None:
    where = f"GuardDuty in {region}"
    try:
        admins = [a.get("AdminAccountId") for a in management.pages(
            "guardduty", region, "ListOrganizationAdminAccounts", "AdminAccounts") if a.get("AdminStatus") == "ENABLED"]
    except ReadFailed as failure:
        found.notes.append(f"{where}: no delegated administrator's detector is credited to the members ({failure})")
        return
    for admin in filter(_account_id, admins):
        try:
            reader = reader_of(admin)
            for detector_id in reader.pages("guardduty", region, "ListDetectors", "DetectorIds"):
                if reader.call("guardduty", region, "GetDetector", DetectorId=detector_id).get("Status") != "ENABLED":
                    continue
                members = reader.pages("guardduty", region, "ListMembers", "Members", DetectorId=detector_id,
                                       OnlyAssociated="true")
                enrolled = frozenset(m.get("AccountId") for m in members
                                     if str(m.get("RelationshipStatus", "")).lower() == ENROLLED)
                arn = f"arn:aws:guardduty:{region}:{admin}:detector/{detector_id}"
                found.detectors[region] = (Resource(arn, "aws_guardduty_detector", {
                    "id": detector_id, "enable": True, "status": "ENABLED", "administrator_account_id": admin},
                    region=region), enrolled)
        except (ReadFailed, InputError) as failure:
            found.notes.append(f"{where}: the detector of delegated administrator {admin} is not credited to the "
                               f"members ({failure})")


def _analyzers(found: Delegated, management: Reader, management_id: str, regions: list[str],
               reader_of: ReaderOf) -> None:
    try:
        owners = [management_id] + [a.get("Id") for a in management.pages(
            "organizations", ORGANIZATIONS_REGION, "ListDelegatedAdministrators", "DelegatedAdministrators",
            ServicePrincipal=ANALYZER_SERVICE) if _account_id(a.get("Id")) and a.get("Id") != management_id]
    except ReadFailed as failure:
        owners = [management_id]
        found.notes.append(f"Access Analyzer: a delegated administrator's organization analyzers are not credited "
                           f"to the members ({failure})")
    for owner in owners:
        for region in regions:
            try:
                analyzers = reader_of(owner).pages("accessanalyzer", region, "ListAnalyzers", "analyzers",
                                                   type=ORGANIZATION_ANALYZER)
            except (ReadFailed, InputError) as failure:
                found.notes.append(f"Access Analyzer in {region}: the organization analyzers of account {owner} are "
                                   f"not credited to the members ({failure})")
                continue
            found.analyzers.setdefault(region, []).extend(
                Resource(a["arn"], "aws_accessanalyzer_analyzer", {"analyzer_name": a.get("name"), "arn": a["arn"],
                                                                   "status": a.get("status"), "type": a.get("type")},
                         region=region)
                for a in analyzers if a.get("type") == ORGANIZATION_ANALYZER and a.get("status") == "ACTIVE"
                and _owned_by(a.get("arn"), owner))


def _account_id(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{12}", value) is not None


def _owned_by(arn: object, account_id: str) -> bool:
    """An analyzer ARN of this account (what AWS answers; anything else is not credited)."""
    return isinstance(arn, str) and re.fullmatch(rf"arn:aws[\w-]*:access-analyzer:[\w-]+:{account_id}:analyzer/.+",
                                                 arn) is not None


def credited(delegated: Delegated, account_id: str, regions: Iterable[str]) -> list[Resource]:
    """The detectors and analyzers that cover `account_id` in `regions`, owned by another account."""
    found = []
    for region in regions:
        detector = delegated.detectors.get(region)
        if detector is not None and account_id in detector[1] and detector[0].address.split(":")[4] != account_id:
            found.append(detector[0])
        found += [a for a in delegated.analyzers.get(region, ()) if a.address.split(":")[4] != account_id]
    return found
