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
from ...access import KEY_TYPES
from ...model import InputError, Inventory, Resource
from . import DEFAULT_REPORT_TIMEOUT, load_account
from . import delegated as delegation
from .organizations import Organization
from .reader import (Deadline, Reader, ReadFailed, SharedClients, safe, secrets_from_environment, session_of,
                     start_failure)

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


class OrganizationReader:
    """The organization read once with the caller's credentials, and every account
    of it scanned on demand: the CLI scans them all at once, a pytest worker only
    those of its own tests (and the management account, whose organization-wide
    facts its members are given)."""

    def __init__(self, profile: str | None = None, regions: Iterable[str] = (), role_name: str = DEFAULT_ROLE,
                 report_timeout: float = DEFAULT_REPORT_TIMEOUT, session: Any = None,
                 overrides: Callable[[str], dict[str, Callable]] | None = None,
                 deadline: float | str = limits.LIVE_DEADLINE_SECONDS) -> None:
        """InputError (one line) when the organization cannot be read."""
        self.clock = Deadline(deadline)
        if not re.fullmatch(r"[\w+=,.@-]{1,64}", str(role_name)):
            raise InputError(f"{safe(repr(role_name), 80)} is not an IAM role name")
        self.regions, self.role_name, self.report_timeout, self.overrides = \
            list(regions), role_name, report_timeout, overrides
        secrets_from_environment()
        try:
            import boto3

            from . import organizations
            self.base = session or boto3.Session(profile_name=profile)
            self.clients = SharedClients(self.base, self.clock)
            self.reader = Reader(_own_session(self.base), deadline=self.clock, shared=self.clients)
            identity = self.reader.identity()
            self.caller, self.partition = identity["Account"], identity["Arn"].split(":")[1]
            found = organizations.read(self.reader)
        except ReadFailed as failure:
            raise InputError(f"cannot read the organization ({failure}); run from its management account or a "
                             f"delegated administrator") from None
        except Exception as exc:
            raise InputError(start_failure(exc, self.clock)) from None
        if found is None:
            raise InputError(f"account {self.caller} is not in an AWS Organization; judge it with "
                             f"`accountguard live` alone")
        self.organization: Organization = found
        self._lock = threading.Lock()
        self._scanned: dict[str, AccountScan] = {}
        self._readers: dict[str, Reader] = {}
        self._delegated: delegation.Delegated | None = None

    def select(self, accounts: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[AccountScan]:
        """The accounts to judge, in account ID order, not yet scanned; suspended ones skipped."""
        wanted, left_out = _account_ids(accounts, "--account"), _account_ids(exclude, "--exclude")
        unknown = sorted((wanted | left_out) - set(self.organization.accounts))
        if unknown:
            raise InputError(f"account {unknown[0]} is not in organization {safe(self.organization.id, 40)}")
        chosen = [a for a in sorted(self.organization.accounts) if (not wanted or a in wanted) and a not in left_out]
        found = []
        for account_id in chosen:
            values = self.organization.accounts[account_id]
            account = AccountScan(account_id, values.get("name") or "", self.organization.path(account_id),
                                  values.get("status") or "UNKNOWN")
            if account.status != ACTIVE:
                account.skipped = f"not scanned: the account is {account.status.lower()} (status {account.status})"
            found.append(account)
        return found

    def scan(self, account: AccountScan) -> AccountScan:
        """Scan one account (an error, never an exception, when it cannot be)."""
        if account.skipped is not None:
            return account
        try:
            self._scan(account)
        except Exception as exc:  # a bug in one account must not hide the others
            account.error = f"internal error while scanning the account: {safe(type(exc).__name__)}: {safe(exc, 200)}"
        with self._lock:
            self._scanned[account.account_id] = account
        return account

    def _scan(self, found: AccountScan) -> None:
        passed = self.clock.passed()
        if passed:
            found.error = f"not scanned: {passed} before this account was reached"
            return
        try:
            if found.account_id == self.caller:
                session = _own_session(self.base)
            else:
                role = f"arn:{self.partition}:iam::{found.account_id}:role/{self.role_name}"
                c = self.reader.assume_role(role)
                session = session_of(self.base, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
            found.inventory = load_account(regions=self.regions, report_timeout=self.report_timeout,
                                           session=session, deadline=self.clock, organization=self.organization,
                                           overrides=self.overrides(found.account_id) if self.overrides else None,
                                           clients=self.clients)
        except InputError as exc:
            found.error = str(exc)

    def management(self) -> AccountScan | None:
        """The management account, scanned once (for its organization-wide facts); None when it is not active."""
        with self._lock:
            done = self._scanned.get(self.organization.management_account)
        if done is not None:
            return done
        account, = self.select([self.organization.management_account])
        return self.scan(account) if account.skipped is None else None

    def delegated(self) -> delegation.Delegated:
        """What the delegated administrators cover, read once (delegated.py)."""
        with self._lock:
            if self._delegated is None:
                regions = self.regions or sorted({r for a in self._scanned.values() if a.inventory is not None
                                                  for r in a.inventory.facts.get("regions") or ()})
                self._delegated = delegation.read(self._reader_of(self.caller), self.organization.management_account,
                                                  regions, self._reader_of)
            return self._delegated

    def _reader_of(self, account_id: str) -> Reader:
        """A Reader in this account, for the organization-wide reads (the caller's own, or the scanner role's)."""
        if account_id not in self._readers:
            import boto3

            if account_id == self.caller:
                session = _own_session(self.base)
            else:
                c = self.reader.assume_role(f"arn:{self.partition}:iam::{account_id}:role/{self.role_name}")
                session = boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                        aws_session_token=c["SessionToken"], region_name=self.base.region_name)
            self._readers[account_id] = Reader(session, self.overrides(account_id) if self.overrides else None,
                                               self.clock, self.clients)
        return self._readers[account_id]

    def result(self, accounts: list[AccountScan]) -> OrganizationScan:
        """The scan of these accounts, the organization's facts given to the members they cover."""
        management = next((a for a in accounts if a.account_id == self.organization.management_account), None)
        covered = self.delegated() if any(a.inventory is not None for a in accounts) else delegation.Delegated()
        calls = dict(self.reader.calls)
        for reader in self._readers.values():
            for action, count in reader.calls.items():
                calls[action] = calls.get(action, 0) + count
        found = OrganizationScan(self.organization.id, self.organization.management_account, self.caller, accounts,
                                 calls, notes=list(covered.notes))
        _apply_organization_facts(found, self.organization, management, covered)
        return found


def load_organization(profile: str | None = None, regions: Iterable[str] = (), role_name: str = DEFAULT_ROLE,
                      accounts: Iterable[str] = (), exclude: Iterable[str] = (),
                      concurrency: int = DEFAULT_CONCURRENCY, report_timeout: float = DEFAULT_REPORT_TIMEOUT,
                      session: Any = None, overrides: Callable[[str], dict[str, Callable]] | None = None,
                      deadline: float | str = limits.LIVE_DEADLINE_SECONDS,
                      progress: Progress | None = None) -> OrganizationScan:
    """Scan the organization; InputError (one line) when the organization itself
    cannot be read or the selection names an account it does not hold.
    `overrides(account_id)`: the Reader overrides for that account (tests)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 256:
        raise InputError(f"the concurrency must be a whole number from 1 to 256, not {safe(repr(concurrency), 40)}")
    reader = OrganizationReader(profile, regions, role_name, report_timeout, session, overrides, deadline)
    scans = reader.select(accounts, exclude)
    active = [s for s in scans if s.skipped is None]
    done, lock = [0], threading.Lock()

    def judge(found: AccountScan) -> None:
        reader.scan(found)
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(active), found)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(judge, active))
    return reader.result(scans)


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
    credentials = session.get_credentials()
    if credentials is None:
        return session  # Reader reports the missing credentials
    frozen = credentials.get_frozen_credentials()
    return session_of(session, frozen.access_key, frozen.secret_key, frozen.token)


def _apply_organization_facts(result: OrganizationScan, organization: Organization,
                              scanned: AccountScan | None, covered: delegation.Delegated) -> None:
    management = scanned.inventory if scanned is not None else None
    if management is None and any(a.inventory is not None for a in result.accounts):
        result.notes.append("the management account was not scanned: its organization trails and "
                            "centralized root access are not credited to the members")
    for member in result.accounts:
        if member.inventory is not None:  # the management account only by the delegated administrators
            member.inventory = credit(member.inventory, management if member.inventory is not management else None,
                                      organization, covered)


def credit(inventory: Inventory, management: Inventory | None, organization: Organization,
           covered: delegation.Delegated) -> Inventory:
    """A member's inventory with what the organization shows AWS applies to it:
    the management account's organization trails (AWS logs every member account
    to them, in the regions the trail covers, with the alarms on their log group and
    the keys they encrypt with),
    centralized root access management (which passes only a member root without
    password and keys), and the delegated administrators' GuardDuty detector and
    organization analyzers where they cover it (delegated.py). Every scanned
    account is in the organization."""
    inventory = _credit_delegated(inventory, covered)
    if management is None:
        return inventory
    trails = _organization_trails(management)
    if trails and "aws_cloudtrail" not in inventory.unreadable:
        seen = {r.address for r in inventory.resources}
        added = [t for t in trails if t.address not in seen]
        if added:
            alerting = _alerting(management, added)
            carried = [Resource(r.address, r.type, dict(r.values), region=r.region)
                       for r in added + alerting + _keys(management, added + alerting) if r.address not in seen]
            inventory = _with(inventory, carried)
            inventory.notes.append(f"organization trail(s) {', '.join(t.values['name'] for t in added)} of "
                                   f"management account {organization.management_account} log this account")
    root = inventory.facts.get("root")
    if _central_root(management) and isinstance(root, dict) and root.get("centrally_managed") is not True:
        inventory.facts["root"] = dict(root, centrally_managed=True)
    return inventory


def _credit_delegated(inventory: Inventory, covered: delegation.Delegated) -> Inventory:
    """The delegated administrators' detectors and analyzers that cover this account, in the
    regions judged; nothing for a type the account's own read could not finish, and no
    detector where the account has one of its own: GuardDuty monitors a member through
    its own detector, so one that is off is not made good by the administrator's."""
    seen = {r.address for r in inventory.resources}
    own = {r.region for r in inventory.resources if r.type == "aws_guardduty_detector"}
    added = [r for r in delegation.credited(covered, inventory.facts["account_id"], inventory.facts["regions"])
             if r.type not in inventory.unreadable and r.address not in seen
             and not (r.type == "aws_guardduty_detector" and r.region in own)]
    for r in added:
        owner = r.address.split(":")[4]
        what = f"GuardDuty detector {r.address}" if r.type == "aws_guardduty_detector" else \
            f"organization analyzer {r.address}"
        inventory.notes.append(f"{what} of account {owner} covers this account in {r.region}")
    return _with(inventory, [Resource(r.address, r.type, dict(r.values), region=r.region) for r in added]) \
        if added else inventory


def _organization_trails(management: Inventory) -> list[Resource]:
    if "aws_cloudtrail" in management.unreadable:
        return []
    return [t for t in management.of_type("aws_cloudtrail") if t.values.get("is_organization_trail") is True
            and t.address.split(":")[4] == management.facts.get("account_id")]


ALERTING = ("aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm", "aws_sns_topic",
            "aws_sns_topic_subscription", "aws_cloudwatch_log_group")


def _alerting(management: Inventory, trails: list[Resource]) -> list[Resource]:
    """The management account's organization trails' log groups, the metric filters
    on them, the alarms on their metrics and the topics those alarms notify: a
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
        [r for r in management.of_type(ALERTING[3]) if r.values.get("topic_arn") in topics] + \
        [r for r in management.of_type(ALERTING[4]) if (r.region, r.values.get("name")) in groups]


KEY_ATTRIBUTES = {"aws_cloudtrail": "kms_key_id", "aws_sns_topic": "kms_master_key_id"}


def _keys(management: Inventory, carried: list[Resource]) -> list[Resource]:
    """The management account's KMS keys (and aliases) that the carried trails and topics
    encrypt with: the member's logs are encrypted with them, and only the management
    account can read their state and policy."""
    found: dict[str, Resource] = {}
    for resource in carried:
        attr = KEY_ATTRIBUTES.get(resource.type)
        if attr is None:
            continue
        for key in management.link(resource, attr, *KEY_TYPES).resources:
            found[key.address] = key
            if key.type == "aws_kms_alias":  # resolved as access.key_gap resolves it
                found.update((k.address, k) for k in management.link(key, "target_key_id", *KEY_TYPES).resources)
    return list(found.values())


def _central_root(management: Inventory) -> bool:
    """RootCredentialsManagement enabled, as the management account's IAM reports it."""
    root = management.facts.get("root") if "root" not in management.unreadable else None
    return isinstance(root, dict) and root.get("centrally_managed") is True


def _with(inventory: Inventory, added: list[Resource]) -> Inventory:
    return Inventory(inventory.source, inventory.kind, inventory.resources + added, inventory.facts,
                     unreadable=inventory.unreadable, notes=inventory.notes)
