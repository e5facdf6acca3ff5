"""`accountguard live --organization`: every account of an AWS Organization,
from its management account (or a delegated administrator), in one run.

The caller's credentials read the organization once; in every other active
account the scanner role is assumed and the account is scanned by
`load_account`, with the part of the organization above it (its SCPs), several
accounts at a time and one deadline for the whole run. An account that cannot
be reached is an error for that account only; a suspended one is listed and
skipped. Facts AWS applies across the organization (an organization trail,
centralized root access) are then given to the members they cover."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ... import limits
from ...model import InputError, Inventory, Resource
from . import DEFAULT_REPORT_TIMEOUT, load_account
from .organizations import Organization
from .reader import Deadline, Reader, ReadFailed, safe, secrets_from_environment, start_failure

DEFAULT_ROLE = "accountguard-scanner"
DEFAULT_CONCURRENCY = 8
ACTIVE = "ACTIVE"


@dataclass
class AccountScan:
    """One account of the organization and what became of it: an inventory, an
    error (it could not be scanned) or a reason it was skipped (suspended)."""

    account_id: str
    name: str
    path: str
    status: str
    inventory: Inventory | None = None
    error: str | None = None
    skipped: str | None = None


@dataclass
class OrganizationScan:
    organization_id: str
    management_account_id: str
    caller_account_id: str
    accounts: list[AccountScan]
    api_calls: dict[str, int] = field(default_factory=dict)  # the caller's: Organizations and AssumeRole
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"organization {self.organization_id} ({len(self.accounts)} accounts)"


Progress = Callable[[int, int, AccountScan], None]  # done, total, the account just finished


def load_organization(profile: str | None = None, regions: Iterable[str] = (), role_name: str = DEFAULT_ROLE,
                      accounts: Iterable[str] = (), exclude: Iterable[str] = (),
                      concurrency: int = DEFAULT_CONCURRENCY, report_timeout: float = DEFAULT_REPORT_TIMEOUT,
                      session: Any = None, overrides: Callable[[str], dict[str, Callable]] | None = None,
                      deadline: float | str = limits.LIVE_DEADLINE_SECONDS,
                      progress: Progress | None = None) -> OrganizationScan:
    """Scan the organization; InputError (one line) when the organization itself
    cannot be read or the selection names an account it does not hold.
    `overrides(account_id)`: the Reader overrides for that account (tests)."""
    clock = Deadline(deadline)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 256:
        raise InputError(f"the concurrency must be a whole number from 1 to 256, not {safe(repr(concurrency), 40)}")
    if not re.fullmatch(r"[\w+=,.@-]{1,64}", str(role_name)):
        raise InputError(f"{safe(repr(role_name), 80)} is not an IAM role name")
    wanted, left_out = _account_ids(accounts, "--account"), _account_ids(exclude, "--exclude")
    secrets_from_environment()
    try:
        import boto3

        from . import organizations
        base = session or boto3.Session(profile_name=profile)
        reader = Reader(_own_session(base), deadline=clock)
        identity = reader.identity()
        partition = identity["Arn"].split(":")[1]
        organization = organizations.read(reader)
    except ReadFailed as failure:
        raise InputError(f"cannot read the organization ({failure}); run from its management account or a "
                         f"delegated administrator") from None
    except Exception as exc:
        raise InputError(start_failure(exc, clock)) from None
    if organization is None:
        raise InputError(f"account {identity['Account']} is not in an AWS Organization; judge it with "
                         f"`accountguard live` alone")
    unknown = sorted((wanted | left_out) - set(organization.accounts))
    if unknown:
        raise InputError(f"account {unknown[0]} is not in organization {safe(organization.id, 40)}")
    chosen = [a for a in sorted(organization.accounts) if (not wanted or a in wanted) and a not in left_out]
    scans = [AccountScan(a, organization.accounts[a].get("name") or "", organization.path(a),
                         organization.accounts[a].get("status") or "UNKNOWN") for a in chosen]
    for found in scans:
        if found.status != ACTIVE:
            found.skipped = f"not scanned: the account is {found.status.lower()} (status {found.status})"
    active = [s for s in scans if s.skipped is None]
    done, lock = [0], threading.Lock()

    def judge(found: AccountScan) -> None:
        try:
            _scan_account(found, identity["Account"], partition, role_name, base, reader, organization, clock,
                          regions, report_timeout, overrides)
        except Exception as exc:  # a bug in one account must not hide the others
            found.error = f"internal error while scanning the account: {safe(type(exc).__name__)}: {safe(exc, 200)}"
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(active), found)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(judge, active))
    result = OrganizationScan(organization.id, organization.management_account, identity["Account"], scans,
                              dict(reader.calls))
    _apply_organization_facts(result, organization)
    return result


def _account_ids(values: Iterable[str], option: str) -> set[str]:
    ids = set()
    for value in values:
        if not re.fullmatch(r"\d{12}", str(value)):
            raise InputError(f"{option} takes a 12-digit account ID, not {safe(repr(value), 40)}")
        ids.add(str(value))
    return ids


def _own_session(session: Any) -> Any:
    """A session of the same credentials with its own event system: each Reader
    counts the calls made on its session, so two must not share one."""
    import boto3

    credentials = session.get_credentials()
    if credentials is None:
        return session  # Reader reports the missing credentials
    frozen = credentials.get_frozen_credentials()
    return boto3.Session(aws_access_key_id=frozen.access_key, aws_secret_access_key=frozen.secret_key,
                         aws_session_token=frozen.token, region_name=session.region_name)


def _scan_account(found: AccountScan, caller: str, partition: str, role_name: str, base: Any, reader: Reader,
                  organization: Organization, clock: Deadline, regions: Iterable[str], report_timeout: float,
                  overrides: Callable[[str], dict[str, Callable]] | None) -> None:
    import boto3

    passed = clock.passed()
    if passed:
        found.error = f"not scanned: {passed} before this account was reached"
        return
    try:
        if found.account_id == caller:
            session = _own_session(base)
        else:
            role = f"arn:{partition}:iam::{found.account_id}:role/{role_name}"
            c = reader.assume_role(role)
            session = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                    aws_session_token=c["SessionToken"], region_name=base.region_name)
        found.inventory = load_account(regions=regions, report_timeout=report_timeout, session=session,
                                       overrides=overrides(found.account_id) if overrides else None,
                                       deadline=clock, organization=organization)
    except InputError as exc:
        found.error = str(exc)


def _apply_organization_facts(result: OrganizationScan, organization: Organization) -> None:
    """What the management account shows AWS applies to every member: its
    organization trails (AWS logs every member account to them, in the regions
    the trail covers) and centralized root access management (a member root
    without password and keys). A member gets them only when it is in the
    organization, which every scanned account is."""
    management = next((a.inventory for a in result.accounts
                       if a.account_id == organization.management_account and a.inventory is not None), None)
    if management is None:
        if any(a.inventory is not None for a in result.accounts):
            result.notes.append("the management account was not scanned: its organization trails and "
                                "centralized root access are not credited to the members")
        return
    trails = _organization_trails(management)
    central = _central_root(management)
    for member in result.accounts:
        inventory = member.inventory
        if inventory is None or inventory is management:
            continue
        if trails and "aws_cloudtrail" not in inventory.unreadable:
            seen = {r.address for r in inventory.resources}
            added = [t for t in trails if t.address not in seen]
            if added:
                carried = [Resource(r.address, r.type, dict(r.values), region=r.region)
                           for r in added + _alerting(management, added) if r.address not in seen]
                member.inventory = inventory = _with(inventory, carried)
                inventory.notes.append(f"organization trail(s) {', '.join(t.values['name'] for t in added)} of "
                                       f"management account {organization.management_account} log this account")
        root = inventory.facts.get("root")
        if central and isinstance(root, dict) and root.get("centrally_managed") is not True:
            root["centrally_managed"] = True


def _organization_trails(management: Inventory) -> list[Resource]:
    if "aws_cloudtrail" in management.unreadable:
        return []
    return [t for t in management.of_type("aws_cloudtrail") if t.values.get("is_organization_trail") is True
            and t.address.split(":")[4] == management.facts.get("account_id")]


ALERTING = ("aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm", "aws_sns_topic",
            "aws_sns_topic_subscription")


def _alerting(management: Inventory, trails: list[Resource]) -> list[Resource]:
    """The management account's metric filters on the organization trails' log
    groups, the alarms on their metrics and the topics those alarms notify: a
    member's events reach that log group, so those alarms fire for the member.
    Nothing when any of it could not be read there (the member is then judged
    on what it has itself)."""
    if any(t in management.unreadable for t in ALERTING):
        return []
    groups = {(t.values["cloud_watch_logs_group_arn"].split(":")[3],
               t.values["cloud_watch_logs_group_arn"].split(":log-group:", 1)[1].removesuffix(":*"))
              for t in trails if ":log-group:" in str(t.values.get("cloud_watch_logs_group_arn") or "")}
    filters = [f for f in management.of_type(ALERTING[0]) if (f.region, f.values.get("log_group_name")) in groups]
    metrics = {(f.region, m.get("namespace"), m.get("name")) for f in filters
               for m in f.values.get("metric_transformation") or ()}
    alarms = [a for a in management.of_type(ALERTING[1])
              if (a.region, a.values.get("namespace"), a.values.get("metric_name")) in metrics]
    topics = {arn for a in alarms for arn in a.values.get("alarm_actions") or ()}
    return filters + alarms + [r for r in management.of_type(ALERTING[2]) if r.address in topics] + \
        [r for r in management.of_type(ALERTING[3]) if r.values.get("topic_arn") in topics]


def _central_root(management: Inventory) -> bool:
    """RootCredentialsManagement enabled, as the management account's IAM reports it."""
    root = management.facts.get("root") if "root" not in management.unreadable else None
    return isinstance(root, dict) and root.get("centrally_managed") is True


def _with(inventory: Inventory, added: list[Resource]) -> Inventory:
    return Inventory(inventory.source, inventory.kind, inventory.resources + added, inventory.facts,
                     unreadable=inventory.unreadable, notes=inventory.notes)
