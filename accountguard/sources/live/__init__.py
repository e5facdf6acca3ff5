"""A live AWS account -> Inventory, through read-only API calls.

Credentials, region and endpoint come from boto3's standard chain (environment,
profiles, SSO, AWS_ENDPOINT_URL), optionally through an assumed role. What the
account holds is translated into Terraform's vocabulary (an IAM user becomes an
`aws_iam_user` whose address is its ARN), so the controls stay as they are. A
read that is refused or fails leaves its resource types *unreadable*: the
controls that need them are `error`, naming the call, and the rest are judged.
The whole scan has one deadline (limits.LIVE_DEADLINE_SECONDS unless given):
what is not read by then is unreadable in the same way, and a start that
cannot be made is one InputError line.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from ... import limits
from ...model import InputError, Inventory, Resource
from .reader import Deadline, Reader, ReadFailed, SharedClients, describe, safe, secrets_from_environment, start_failure

DEFAULT_REPORT_TIMEOUT = 60.0  # seconds to wait for IAM's credential report


def load_account(profile: str | None = None, regions: Iterable[str] = (), role_arn: str | None = None,
                 report_timeout: float = DEFAULT_REPORT_TIMEOUT, session: Any = None,
                 overrides: dict[str, Callable] | None = None,
                 deadline: float | str | Deadline = limits.LIVE_DEADLINE_SECONDS,
                 organization: Any = None, clients: SharedClients | None = None) -> Inventory:
    """Scan the account within `deadline` seconds; InputError (one line) when it
    cannot be reached at all. `overrides` replace the client for one
    "service:Operation" (tests use botocore's Stubber where moto has no backend).
    `organization`: the Organization the management account read, for an account
    of an organization scan (its own Organizations reads are then not made), and
    `clients` the clients it shares with the organization's other accounts."""
    clock = deadline if isinstance(deadline, Deadline) else Deadline(deadline)
    secrets_from_environment()
    try:
        # boto3 is imported only when a live account is read
        from . import iam, organizations, resource_policies, services

        reader = _reader(session, profile, role_arn, overrides, clock, clients)
        identity = reader.identity()
        account_id = identity["Account"]
        partition = identity["Arn"].split(":")[1]
        in_scope, notes = _regions(reader, reader.session, partition, list(regions))
    except Exception as exc:  # every way the start fails is one line
        raise InputError(start_failure(exc, clock)) from None
    scan = _Scan(reader, account_id, partition, in_scope)
    with ThreadPoolExecutor(max_workers=16) as pool:
        iam_part = pool.submit(scan.guard, iam.TYPES + iam.GLOBAL_TYPES, iam.read, scan, report_timeout)
        org_part = pool.submit(scan.guard, organizations.STRUCTURE, _organization, scan, organization)
        policies_part = pool.submit(scan.guard, resource_policies.READ_TYPES, resource_policies.read, scan, pool)
        scan.guard(services.TYPES, services.read, scan, pool)
        policies_part.result()
        iam_part.result()
        org_part.result()
    facts = dict(scan.facts, account_id=account_id, account_subject=f"account:{account_id}",
                 regions=in_scope, observed_at=datetime.now(timezone.utc), api_calls=dict(reader.calls))
    return Inventory(source=f"account {account_id} ({', '.join(in_scope) or 'no region'})", kind="live",
                     resources=scan.built(), facts=facts, unreadable=scan.unreadable, notes=notes)


class _Scan:
    """What the readers found; they run in threads, so additions take a lock."""

    def __init__(self, reader: Reader, account_id: str, partition: str, regions: list[str]) -> None:
        self.reader = reader
        self.account_id = account_id
        self.partition = partition
        self.regions = regions
        self._found: list[tuple[str, str, dict[str, Any], str | None]] = []
        self.facts: dict[str, Any] = {}
        self.unreadable: dict[str, str] = {}
        self._lock = threading.Lock()
        self._answers: dict[tuple, list] = {}  # call -> [its lock, its answer once made]

    def add(self, type_: str, address: str, values: dict[str, Any], region: str | None = None) -> None:
        with self._lock:
            self._found.append((type_, address, values, region))

    def built(self) -> list[Resource]:
        """The Resources, made once every reader is done: readers complete the values of
        what they added (the credential report fills in users read before it)."""
        return [Resource(address=address, type=type_, values=values, region=region)
                for type_, address, values, region in self._found]

    def listed(self, service: str, region: str, operation: str, key: str, **params: Any) -> list[Any]:
        """`reader.pages`, made once per scan for every reader that lists the same (S3's buckets,
        Glacier's vaults); a failed listing is tried again by the next."""
        return self._once((service, region, operation, key, repr(sorted(params.items()))),
                          lambda: self.reader.pages(service, region, operation, key, **params))

    def read(self, service: str, region: str, operation: str, **params: Any) -> dict[str, Any]:
        """`reader.call`, made once per scan for every reader that needs the same answer (the
        policy of a trail's key, or of an alarm topic, is also one of the account's resource
        policies); readers do not change answers."""
        return self._once((service, region, operation, None, repr(sorted(params.items()))),
                          lambda: self.reader.call(service, region, operation, **params))

    def _once(self, call: tuple, make: Callable[[], Any]) -> Any:
        with self._lock:
            slot = self._answers.setdefault(call, [threading.Lock(), None])
        with slot[0]:
            if slot[1] is None:
                slot[1] = make()
            return slot[1]

    def cannot_read(self, types: Iterable[str], failure: ReadFailed | str) -> None:
        with self._lock:
            for type_ in types:
                self.unreadable.setdefault(type_, str(failure))

    def guard(self, types: Iterable[str], read: Callable, *args: Any) -> None:
        """Run a reader; whatever it could not finish is unreadable, never empty."""
        try:
            read(*args)
        except ReadFailed as failure:
            self.cannot_read(types, failure)
        except Exception as exc:  # a bug in a reader must not look like an empty account
            self.cannot_read(types, f"internal error while reading the account: {describe(exc)}")


def _organization(scan: _Scan, given: Any) -> None:
    """The Organizations resources this account's inventory holds: the whole
    organization in its management account, the part above it in a member (the
    SCPs that apply to it: `scp_targets`); nothing in a standalone account. SCPs
    never apply to the management account. A member that may not list the
    organization leaves its structure unreadable, and SCPs out: they only ever deny,
    so the IAM checks judged without them can fail more, never pass more."""
    from ...controls.organizations import UNREAD_SCPS
    from . import organizations

    found = given if given is not None else organizations.read(scan.reader)
    if found is None:
        return
    management = found.management_account == scan.account_id
    if not management and scan.account_id not in found.accounts:
        raise ReadFailed("organizations:ListAccountsForParent",
                         RuntimeError(f"account {scan.account_id} is not in organization {found.id}"))
    for type_, address, values in found.resources(None if management else scan.account_id):
        scan.add(type_, address, values)
    scan.facts["organization"] = {"id": found.id, "management_account_id": found.management_account,
                                  "path": None if management else found.path(scan.account_id)}
    scan.facts["scp_targets"] = frozenset() if management else frozenset(found.chain(scan.account_id))
    unread = found.unread_scps(None if management else scan.account_id)
    if unread:
        scan.cannot_read([UNREAD_SCPS], unread)


def _reader(session: Any, profile: str | None, role_arn: str | None, overrides: dict[str, Callable] | None,
            clock: Deadline, clients: SharedClients | None) -> Reader:
    """A Reader on the session boto3's chain (or `session`) gives, or on the role assumed with it."""
    import boto3

    reader = Reader(session or boto3.Session(profile_name=profile), overrides, clock, clients)
    if not role_arn:
        return reader
    c = reader.assume_role(role_arn)
    return Reader(boto3.Session(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                aws_session_token=c["SessionToken"], region_name=reader.session.region_name),
                  overrides, clock, clients)


def _regions(reader: Reader, session: Any, partition: str, requested: list[str]) -> tuple[list[str], list[str]]:
    """The regions to judge: those asked for, else every region enabled in the account."""
    known = set(session.get_available_regions("ec2", partition_name=partition))
    unknown = [r for r in requested if r not in known]
    if unknown:
        raise InputError(f"unknown region {safe(repr(unknown[0]), 100)} in partition {safe(partition, 40)}")
    try:
        described = reader.pages("ec2", reader.home, "DescribeRegions", "Regions", AllRegions=True)
    except ReadFailed as failure:
        if requested:
            return sorted(set(requested)), [f"cannot tell whether the regions are enabled: {failure}"]
        raise InputError(f"cannot list the account's regions ({failure}); name them with --region") from None
    status = {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in described}
    enabled = {r for r, s in status.items() if s in ("opt-in-not-required", "opted-in")}
    if not requested:
        elsewhere = {r for p in session.get_available_partitions() if p != partition
                     for r in session.get_available_regions("ec2", partition_name=p)}
        newer = sorted(enabled - known - elsewhere)  # botocore offers no service there: skipping would be silent
        if newer:
            import botocore

            raise InputError(f"region {safe(newer[0], 40)} is enabled in this account and unknown to the installed "
                             f"botocore {botocore.__version__}: upgrade boto3 and botocore, or name the regions "
                             f"to judge with --region")
        return sorted(enabled & known), []
    notes = [f"region {r} skipped: not enabled in this account (opt-in status: {status.get(r, 'unknown')})"
             for r in sorted(set(requested) - enabled)]
    return sorted(set(requested) & enabled), notes

