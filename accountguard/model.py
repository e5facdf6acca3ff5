"""The Inventory every source produces and the Findings every control returns.

The vocabulary is Terraform's: resource types and attribute names. A value that
cannot be known (after apply, or a hidden live setting) is an `Unknown`; a
sensitive value is replaced by `SENSITIVE` before it ever reaches a control, so
no report can print it.
"""
from __future__ import annotations

import contextvars
import enum
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"
    WARN = "warn"  # passes, but a change in the plan made it weaker


@dataclass(frozen=True)
class Unknown:
    """A value the source cannot see; `why` says which, for error messages."""

    why: str = "known only after apply"

    def __repr__(self) -> str:
        return "(unknown)"


@dataclass(frozen=True)
class Untraced(Unknown):
    """An unknown value whose reference the source could not follow; `why` says
    through what, and how to follow it."""


class RenderedJSON(str):
    """JSON text accountguard wrote itself from a document (the .tf mode's
    aws_iam_policy_document): the same document as the provider's, not the same text,
    which the provider writes `indented` (`json`) or not (`minified_json`)."""

    indented: bool

    def __new__(cls, text: str, indented: bool) -> "RenderedJSON":
        rendered = super().__new__(cls, text)
        rendered.indented = indented
        return rendered

    def __reduce__(self):
        return RenderedJSON, (str(self), self.indented)


class _Sensitive:
    def __repr__(self) -> str:
        return "(sensitive)"


SENSITIVE = _Sensitive()


@dataclass(frozen=True)
class Verdict:
    """What a control says about one subject; the engine stamps the control ID.
    `vacuous`: a pass only because something is absent (no users, no keys)."""

    status: Status
    subject: str
    message: str
    vacuous: bool = False


def Pass(subject: str, message: str, vacuous: bool = False) -> Verdict:
    return Verdict(Status.PASS, subject, message, vacuous)


def Fail(subject: str, message: str) -> Verdict:
    return Verdict(Status.FAIL, subject, message)


def Error(subject: str, message: str) -> Verdict:
    return Verdict(Status.ERROR, subject, message)


@dataclass(frozen=True)
class Finding:
    """`regression`: failing after the plan's change, not before. `preexisting`:
    failing before it already. `changes`: the changes that cause it."""

    control: str
    status: Status
    subject: str
    message: str
    location: tuple[str, int] | None = None
    regression: bool = False
    preexisting: bool = False
    changes: tuple[str, ...] = ()
    waiver: Any = None  # the Waiver (waivers.py) accepting this failure, while it has not expired
    reads: tuple[Read, ...] = field(default=(), compare=False, repr=False)  # what the verdict rests on; internal

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"control": self.control, "status": self.status.value,
                                 "subject": self.subject, "message": self.message,
                                 "regression": self.regression, "preexisting": self.preexisting,
                                 "changes": list(self.changes)}
        if self.location:
            found["location"] = {"file": self.location[0], "line": self.location[1]}
        if self.waiver is not None:
            found["waived"] = self.waiver.as_dict()
        return found


@dataclass(frozen=True)
class Read:
    """One attribute a control read while judging: of which resource, and what it found
    there: "known", "unknown" (an Unknown or sensitive value), "absent" (not set, and
    nothing assumed), "default" (not set, so the control took AWS's or the provider's
    default: `Resource.get` with a default, `Resource.left_unset`) or "followed" (unknown,
    and followed through the configuration's references to the resources it names)."""

    address: str
    kind: str
    attr: str
    found: str
    view: str = ""  # read while building a shared view of the inventory (Inventory.derive)


_READS: contextvars.ContextVar[list[Read] | None] = contextvars.ContextVar("accountguard_reads", default=None)


@contextmanager
def reading() -> Iterator[list[Read]]:
    """Every attribute of every resource read while the block runs, in order (the
    engine attaches them to each verdict when asked, tests/test_pass_provenance.py judges
    them). Only tests ask: in a large input the record is many times the input's size."""
    reads: list[Read] = []
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def _note(owner: Resource, attr: str, value: Any, found: str | None = None) -> None:
    reads = _READS.get()
    if reads is None:
        return
    if found is None:
        found = ("unknown" if isinstance(value, Unknown) or value is SENSITIVE else
                 "absent" if value is None else "known")
    reads.append(Read(owner.address, owner.kind, attr, found))


class _Values(dict):
    """A resource's values, noting each attribute read while `reading()` is on."""

    __slots__ = ("owner",)

    def get(self, attr: Any, default: Any = None) -> Any:
        if attr not in self:
            _note(self.owner, attr, None, "absent" if default is None else "default")
            return default
        value = dict.__getitem__(self, attr)
        _note(self.owner, attr, value)
        return value

    def __getitem__(self, attr: Any) -> Any:
        value = dict.__getitem__(self, attr)
        _note(self.owner, attr, value)
        return value

    def __reduce__(self):
        return dict, (dict(self),)


_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]')
_MODULE_SEGMENT = re.compile(r'module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?\.')
_MODULES = re.compile(r'^((?:module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?\.)*)(.*)$')


def config_address(address: str) -> str:
    """`module.a["x"].aws_iam_user.u[0]` -> `module.a.aws_iam_user.u`."""
    return _INDEX.sub("", address)


@dataclass
class Resource:
    address: str
    type: str
    values: dict[str, Any]
    region: Any = None
    mode: str = "managed"
    references: dict[str, tuple[str, ...]] = field(default_factory=dict)
    location: tuple[str, int] | None = None  # file and line of the block, where the source has them
    # the attributes and blocks the configuration writes; None where the source cannot tell (live)
    configured: frozenset[str] | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "values" and isinstance(value, dict):
            value = _Values(value)
            value.owner = self
        object.__setattr__(self, name, value)

    @property
    def kind(self) -> str:
        """The type, as `data.TYPE` for a data source: a lookup is not the thing it looks up."""
        return self.type if self.mode == "managed" else f"data.{self.type}"

    @property
    def config_address(self) -> str:
        return config_address(self.address)

    @property
    def module_instance(self) -> str:
        """`module.a["x"].` for `module.a["x"].aws_iam_user.u[0]`; "" at the root."""
        return _MODULES.match(self.address).group(1)

    @property
    def in_module_instance(self) -> str:
        """`module.a["x"].aws_iam_user.u`: this resource among its module instance's."""
        return self.module_instance + config_address(_MODULES.match(self.address).group(2))

    def get(self, attr: str, default: Any = None) -> Any:
        value = dict.get(self.values, attr)
        _note(self, attr, value, "default" if value is None and default is not None else None)
        return default if value is None else value

    def left_unset(self, attr: str) -> bool:
        """An attribute the configuration does not set, so AWS's own default applies:
        null, or unknown where the configuration does not write it (a plan shows an
        Optional+Computed attribute left out as known after apply). An unknown value the
        configuration writes (from a reference, a local, `timestamp()`, ...) is set, and
        so is any unknown where the source cannot tell what is written."""
        value = dict.get(self.values, attr)
        unset = value is None or (isinstance(value, Unknown) and self.configured is not None
                                  and attr not in self.configured)
        _note(self, attr, value, "default" if unset else None)
        return unset

    def written(self, attr: str) -> bool:
        """Whether the attribute is set to something, perhaps known only after apply (what
        a presence check rests on, so noted as known; what it is set to is read apart)."""
        value = dict.get(self.values, attr)
        unset = value is None or value == ""
        _note(self, attr, value, "absent" if unset else "known")
        return not unset

    def first_block(self, attr: str) -> dict[str, Any]:
        """Terraform nested blocks are lists of objects; most have at most one."""
        blocks = self.values.get(attr) or []
        return blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}


@dataclass(frozen=True)
class Change:
    """One resource a plan creates, updates, replaces or destroys."""

    address: str
    type: str
    actions: tuple[str, ...]  # Terraform's: ("create",), ("update",), ("delete", "create"), ...

    @property
    def verb(self) -> str:
        if "delete" in self.actions and "create" in self.actions:
            return "replaced"
        return {"create": "created", "delete": "destroyed"}.get(self.actions[0], "updated")


@dataclass
class Link:
    """Where an attribute points: resources found, known values pointing outside
    the inventory, and whether some of it could not be known."""

    resources: list[Resource]
    outside: list[str]
    unknown: Unknown | None = None


@dataclass(frozen=True)
class UnseenPart:
    """Part of the input a source cannot see, and the resource types it could hold:
    an unknown `count` on a resource hides only its type; a registry module, anything (None)."""

    why: str
    types: frozenset[str] | None = None

    def could_hide(self, looked_for: set[str]) -> bool:
        return self.types is None or ANY_TYPE in looked_for or bool(self.types & looked_for)


ANY_TYPE = "*"  # recorded when a control looks at every resource
# Why a data source's attribute is not known in a .tf directory, which is judged without calling AWS.
LOOKED_UP = "is read from AWS when Terraform runs, and a .tf directory is judged without AWS"

# Attributes other resources use to point at a resource.
IDENTITY_ATTRIBUTES = ("arn", "name", "id")
OWN_NAMES = {"aws_s3_bucket": ("bucket",)}  # where a type keeps its name when not in `name`
# Where an input names an account ID: in an ARN, a CloudTrail object key, or as a value of its own
# (an account principal, aws:SourceAccount).
_NAMED_ACCOUNTS = re.compile(r"\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):|AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})\b"
                             r'|(?<![\w+.-])"?(\d{12})"?(?![\w.-])')


# Organizations' resources say nothing of the input's own account: their ARNs name the management
# account (arn:aws:organizations::MANAGEMENT:...), their IDs the accounts a policy is attached to.
ORGANIZATIONS = "aws_organizations_"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in dict.values(value):  # not a read of the resource (pass provenance): who the account is
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


# The aws provider's arguments that choose whose credentials a provider configuration uses
# (https://registry.terraform.io/providers/hashicorp/aws/latest/docs#authentication-and-configuration):
# two configurations, one of them setting any, may be in two accounts.
IDENTITY_ARGUMENTS = frozenset({"assume_role", "assume_role_with_web_identity", "profile", "access_key",
                                "secret_key", "token", "shared_credentials_files", "shared_config_files"})


def providers_may_differ(configurations: list[set[str]]) -> bool:
    """Whether aws provider configurations (the arguments each sets) may be in different accounts."""
    return len(configurations) > 1 and any(arguments & IDENTITY_ARGUMENTS for arguments in configurations)


def arn_account(arn: Any) -> str | None:
    """The account ID an ARN names (arn:PARTITION:SERVICE:REGION:ACCOUNT:...), if it is one:
    not `*`, not empty (S3 buckets), not a value known only after apply."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    return parts[4] if len(parts) == 6 and re.fullmatch(r"\d{12}", parts[4]) else None


def _own_accounts(resource: Resource) -> set[str]:
    """The account a resource's own ARN (or data.aws_caller_identity) shows it is in: an `arn`
    the provider computes, not one a resource is given (aws_cloudwatch_event_target's is its target)."""
    from .schema import resource_schema  # the schema snapshot, only when an ARN is known

    if resource.type == "aws_caller_identity" and resource.mode == "data":
        found = dict.get(resource.values, "account_id")
        return {found} if isinstance(found, str) and re.fullmatch(r"\d{12}", found) else set()
    if resource.type.startswith(ORGANIZATIONS):
        return set()
    account = arn_account(dict.get(resource.values, "arn")) if resource.mode == "managed" else None
    if account is None:
        return set()
    schema = resource_schema("managed", resource.type)
    given = schema is None or "arn" not in schema.attributes or not (
        schema.attributes["arn"].computed and not schema.attributes["arn"].optional)
    return set() if given else {account}


class Inventory:
    """The resources of one source, indexed once so that lookups stay O(1)."""

    def __init__(self, source: str, kind: str, resources: Iterable[Resource],
                 facts: dict[str, Any] | None = None, unseen: Iterable[str] = (),
                 before: Inventory | None = None, changes: Iterable[Change] = (),
                 unreadable: dict[str, str] | None = None, notes: Iterable[str] = (),
                 anchor: tuple[str, int] | None = None) -> None:
        self.source = source
        self.kind = kind  # "plan", "hcl" or "live"
        self.resources = list(resources)
        self.facts = facts or {}
        # when the account is as this input shows it (a live scan, a plan's timestamp), else when it is judged
        self.facts.setdefault("observed_at", datetime.now(timezone.utc))
        # parts of the account this source cannot see (e.g. registry modules)
        self.unseen = [u if isinstance(u, UnseenPart) else UnseenPart(u) for u in unseen]
        self.before = before  # a plan's prior state, when it has one
        self.changes = list(changes)  # what the plan changes to get from `before` to this
        self.unreadable = unreadable or {}  # resource type or fact -> why it could not be read
        self.notes = list(notes)  # what a reader should know about the scan (e.g. regions skipped)
        self.anchor = anchor  # where findings about the whole account point: the root's provider block
        self._derived: dict[str, Any] = {}
        self._derived_types: dict[str, set[str]] = {}
        self._derived_reads: dict[str, list[Read]] = {}
        self._looked_for: set[str] | None = None
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_address: dict[str, list[Resource]] = defaultdict(list)
        self._by_identity: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for resource in self.resources:
            self._by_type[resource.kind].append(resource)
            self._by_address[resource.address].append(resource)
            for key in {resource.config_address, resource.in_module_instance} - {resource.address}:
                self._by_address[key].append(resource)
            for attr in IDENTITY_ATTRIBUTES + OWN_NAMES.get(resource.type, ()):
                value = resource.values.get(attr)
                if isinstance(value, str) and value:
                    self._by_identity[(resource.type, value)].append(resource)

    @property
    def account(self) -> str | None:
        """The account ID this input is in, where it shows one: a live scan's; in a plan, the one
        its resources' own ARNs and data.aws_caller_identity show, else the only one it names at
        all, in an ARN, an object key or an account principal (README: How verdicts are made).
        None when it shows none or several, or its provider configurations may be in several
        (`providers_may_differ`): then which account a policy's ARN is in is not known."""
        if "account" not in self._derived:
            if self.kind == "live":
                found = {self.facts["account_id"]}
            elif self.facts.get("providers_may_differ"):
                found = set()
            else:
                found = set().union(*(_own_accounts(r) for r in self.resources)) or {
                    a for r in self.resources if not r.type.startswith(ORGANIZATIONS) for text in _strings(r.values)
                    for m in _NAMED_ACCOUNTS.finditer(text) for a in m.groups() if a}
            self._derived["account"] = next(iter(found)) if len(found) == 1 else None
        return self._derived["account"]

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """The resource types looked up while the block runs: what a control looks for,
        and so what an unseen part of the input could hide from it."""
        outer, self._looked_for = self._looked_for, set()
        try:
            yield self._looked_for
        finally:
            if outer is not None:
                outer |= self._looked_for
            self._looked_for = outer

    def _look(self, types: Iterable[str]) -> None:
        if self._looked_for is not None:
            self._looked_for.update(types)

    def derive(self, key: str, build: Callable[[Inventory], Any]) -> Any:
        """Compute a view of the inventory once (e.g. who gets which policy); built again
        while reads are recorded, if it was built without, so that its reads are known."""
        reads = _READS.get()
        if key not in self._derived or (reads is not None and key not in self._derived_reads):
            with self.recording() as types:
                if reads is None:
                    self._derived[key] = build(self)
                else:
                    with reading() as own:
                        self._derived[key] = build(self)
                    self._derived_reads[key] = [Read(r.address, r.kind, r.attr, r.found, r.view or key) for r in own]
            self._derived_types[key] = types
        self._look(self._derived_types[key])
        if reads is not None:
            reads.extend(self._derived_reads[key])
        return self._derived[key]

    def of_type(self, *types: str) -> list[Resource]:
        """Resources of these types; Unreadable if the source could not read one of them.
        Data sources only look things up and are asked for apart: `data.aws_guardduty_detector`."""
        self._look(types)
        for type_ in types:
            if type_ in self.unreadable:
                raise Unreadable(self.unreadable[type_])
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        return [r for t in types for r in self._by_type.get(t, ())]

    def __iter__(self) -> Iterator[Resource]:
        self._look((ANY_TYPE,))
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def fact(self, name: str) -> Any:
        """A live-only fact (e.g. "root"); Unreadable if the source could not read it."""
        if name in self.unreadable:
            raise Unreadable(self.unreadable[name])
        return self.facts.get(name)

    def at(self, address: str) -> Resource | None:
        """The resource at exactly this address."""
        return next((r for r in self._by_address.get(address, ()) if r.address == address), None)

    def location_of(self, address: str) -> tuple[str, int] | None:
        resources = self._by_address.get(address)
        return resources[0].location if resources else None

    def find(self, type_: str, identity: str) -> list[Resource]:
        """Resources of `type_` whose name, ARN or ID is `identity`."""
        self._look((type_,))
        found = self._by_identity.get((type_, identity))
        if found:
            return list(found)
        if type_ == "aws_cloudwatch_log_group" and identity.endswith(":*"):
            return list(self._by_identity.get((type_, identity[:-2]), ()))
        return []

    def referenced(self, resource: Resource, attr: str, types: Iterable[str]) -> list[Resource]:
        """Resources of `types` that `attr` refers to in the configuration.

        References are recorded per module, not per module instance; inside
        `module.a["x"]` a reference to `module.a.aws_sns_topic.t` means the one
        in `module.a["x"]`, so it is looked up there first.
        """
        wanted = set(types)
        self._look(wanted)
        found: dict[int, Resource] = {}
        instances = _MODULE_SEGMENT.findall(resource.module_instance)
        modules = [config_address(segment) for segment in instances]
        for address in resource.references.get(attr, ()):
            targets: list[Resource] | tuple = ()
            for depth in range(len(instances), 0, -1):
                if instances[:depth] == modules[:depth]:
                    break  # no instance keys above this depth: the address is exact already
                prefix = "".join(modules[:depth])
                if address.startswith(prefix):
                    targets = self._by_address.get("".join(instances[:depth]) + address[len(prefix):], ())
                    break
            for target in targets or self._by_address.get(address, ()):
                if target.type in wanted:
                    found[id(target)] = target
        if found:
            _note(resource, attr, None, "followed")
        return list(found.values())

    def link(self, resource: Resource, attr: str, *types: str) -> Link:
        """Follow `attr` of `resource` to resources of `types`.

        Known values are matched by name, ARN or ID; unknown ones through the
        configuration's references. What still cannot be placed, a sensitive
        value included, is reported as unknown, never dropped.
        """
        value = resource.values.get(attr)
        items = value if isinstance(value, list) else [value]
        found: dict[int, Resource] = {}
        outside: list[str] = []
        unknown: Unknown | None = None
        hidden: Unknown | None = None
        unknowns = 0
        for item in items:
            if item is None:
                continue
            if item is SENSITIVE:
                hidden = Unknown(f"{resource.address}.{attr} is sensitive, so where it points cannot be seen")
                continue
            if isinstance(item, Unknown):
                unknown, unknowns = item, unknowns + 1
                continue
            matches = [r for t in types for r in self.find(t, str(item))]
            if matches:
                found.update((id(r), r) for r in matches)
            else:
                outside.append(str(item))
        if unknown is not None:
            referenced = self.referenced(resource, attr, types)
            if referenced:
                found.update((id(r), r) for r in referenced)
                # more values known only after apply than resources they refer to: the rest are others
                unknown = None if unknowns <= len(referenced) else Unknown(
                    f"{resource.address}.{attr} holds {unknowns} values known only after apply, and refers to "
                    f"{len(referenced)} this source can see: where the others point cannot be seen")
            elif not isinstance(unknown, Untraced):
                unknown = Unknown(f"{resource.address}.{attr} is known only after apply "
                                  f"and refers to nothing this source can see")
        return Link(list(found.values()), outside, unknown or hidden)


class Unreadable(Exception):
    """Part of the account the source was refused or failed to read: the control
    that needs it is an error, naming the call."""


class InputError(Exception):
    """Input accountguard cannot judge: reported as one line, exit code 2."""
