"""Who gets which IAM policy: documents wherever they come from (inline JSON,
jsonencode, heredoc, aws_iam_policy_document, AWS-managed ARNs) and the paths
by which they reach a user (direct, via groups, via the organization)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .iam import Policy, PolicyError, managed_policy_name, parse_policy
from .model import SENSITIVE, Inventory, Resource, Unknown

POLICY_RESOURCES = {  # type -> attribute holding the document
    "aws_iam_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_organizations_policy": "content",
}


@dataclass(frozen=True)
class Grant:
    """A policy reaching a user. Exactly one of document, managed_arn, problem is set."""

    via: str
    name: str
    document: Policy | None = None
    managed_arn: str | None = None
    problem: Unknown | str | None = None


def render_policy_document(values: dict[str, Any]) -> dict[str, Any] | Unknown:
    """The policy an aws_iam_policy_document renders from its arguments, as the AWS
    provider renders it; parts that are not known stay Unknown inside it."""
    if any(values.get(k) for k in ("source_policy_documents", "override_policy_documents",
                                   "source_json", "override_json")):
        return Unknown("a policy document that merges other documents is not evaluated by accountguard")
    blocks = values.get("statement") or []
    if isinstance(blocks, Unknown):
        return blocks
    statements = []
    for block in blocks:
        if not isinstance(block, dict):
            return Unknown("a statement of a policy document is known only after apply")
        effect = block.get("effect") or "Allow"
        if isinstance(effect, Unknown):
            return effect
        rendered: dict[str, Any] = {"Effect": effect}
        if block.get("sid"):
            rendered["Sid"] = block["sid"]
        for attr, key in (("actions", "Action"), ("not_actions", "NotAction"),
                          ("resources", "Resource"), ("not_resources", "NotResource")):
            if block.get(attr):
                rendered[key] = block[attr]
        for attr, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if block.get(attr):
                if not all(isinstance(p, dict) for p in block[attr]):
                    return Unknown("a principal of a policy document is known only after apply")
                rendered[key] = {p.get("type"): p.get("identifiers") for p in block[attr]}
        conditions: dict[str, dict[str, Any]] = {}
        for condition in block.get("condition") or ():
            test, variable = condition.get("test"), condition.get("variable")
            if isinstance(test, Unknown) or isinstance(variable, Unknown):
                return Unknown("a condition of a policy document is known only after apply")
            conditions.setdefault(test, {})[variable] = condition.get("values")
        if conditions:
            rendered["Condition"] = conditions
        statements.append(rendered)
    return {"Version": values.get("version") or "2012-10-17", "Statement": statements}


def policy_of(inventory: Inventory, resource: Resource, attr: str) -> Policy | Unknown | str:
    """The policy in `resource.attr`: parsed, Unknown, or why it is invalid."""
    value = resource.values.get(attr)
    document: Any = value
    if value is SENSITIVE:
        return Unknown(f"{resource.address}.{attr} is sensitive")
    partly_known = isinstance(value, Unknown) and getattr(value, "document", None) is not None
    if partly_known:
        document = value.document  # JSON text unknown only in parts (jsonencode in .tf mode)
    elif isinstance(value, Unknown):
        sources = inventory.referenced(resource, attr, ["aws_iam_policy_document"])
        if len(sources) != 1:
            return Unknown(f"{resource.address}.{attr} is known only after apply")
        data = sources[0]
        document = data.values.get("json")
        if not isinstance(document, str):
            document = render_policy_document(data.values)
            if isinstance(document, Unknown):
                return document
    if document is None:
        return f"{resource.address} has no {attr}"
    try:
        return parse_policy(document, resource.address)
    except PolicyError as exc:
        return value if partly_known else str(exc)  # an unknown part may be what is wrong


def _grant(inventory: Inventory, resource: Resource, attr: str) -> Grant:
    """The policy a *_policy_attachment's policy_arn names."""
    link = inventory.link(resource, attr, "aws_iam_policy")
    if link.resources:
        policy = link.resources[0]
        document = policy_of(inventory, policy, "policy")
        if isinstance(document, Policy):
            return Grant(resource.address, policy.address, document=document)
        return Grant(resource.address, policy.address, problem=document)
    for arn in link.outside:
        if managed_policy_name(arn):
            return Grant(resource.address, arn, managed_arn=arn)
        return Grant(resource.address, arn, problem=Unknown(f"policy {arn} is not in this plan"))
    return Grant(resource.address, f"{resource.address}.{attr}",
                 problem=link.unknown or Unknown(f"{resource.address} names no policy"))


def _inline(inventory: Inventory, resource: Resource) -> Grant:
    document = policy_of(inventory, resource, "policy")
    if isinstance(document, Policy):
        return Grant(resource.address, resource.address, document=document)
    return Grant(resource.address, resource.address, problem=document)


def names(inventory: Inventory, resource: Resource, attr: str, type_: str) -> tuple[list[str], Unknown | None]:
    """Names in `attr` (a name or a list of names of `type_` resources)."""
    link = inventory.link(resource, attr, type_)
    found = list(link.outside)
    unknown = link.unknown
    for target in link.resources:
        name = target.values.get("name")
        if isinstance(name, str):
            found.append(name)
        else:
            unknown = Unknown(f"the name of {target.address} is known only after apply")
    return sorted(set(found)), unknown


class AccessGraph:
    """Every user, the groups it is in, and the policies reaching it."""

    def __init__(self, inventory: Inventory) -> None:
        self.users: list[Resource] = inventory.of_type("aws_iam_user")
        self.groups_of: dict[str, set[str]] = defaultdict(set)
        self.user_grants: dict[str, list[Grant]] = defaultdict(list)
        self.group_grants: dict[str, list[Grant]] = defaultdict(list)
        self.account_grants: list[Grant] = []
        self.unknown: list[Unknown] = []  # memberships or attachments whose target cannot be seen

        def targets(resource: Resource, attr: str, type_: str) -> list[str]:
            found, unknown = names(inventory, resource, attr, type_)
            if unknown is not None:
                self.unknown.append(unknown)
            return found

        for m in inventory.of_type("aws_iam_user_group_membership"):
            for user in targets(m, "user", "aws_iam_user"):
                self.groups_of[user].update(targets(m, "groups", "aws_iam_group"))
        for m in inventory.of_type("aws_iam_group_membership"):
            groups = targets(m, "group", "aws_iam_group")
            for user in targets(m, "users", "aws_iam_user"):
                self.groups_of[user].update(groups)
        for a in inventory.of_type("aws_iam_user_policy_attachment"):
            grant = _grant(inventory, a, "policy_arn")
            for user in targets(a, "user", "aws_iam_user"):
                self.user_grants[user].append(grant)
        for a in inventory.of_type("aws_iam_group_policy_attachment"):
            grant = _grant(inventory, a, "policy_arn")
            for group in targets(a, "group", "aws_iam_group"):
                self.group_grants[group].append(grant)
        for a in inventory.of_type("aws_iam_policy_attachment"):
            grant = _grant(inventory, a, "policy_arn")
            for user in targets(a, "users", "aws_iam_user"):
                self.user_grants[user].append(grant)
            for group in targets(a, "groups", "aws_iam_group"):
                self.group_grants[group].append(grant)
        for p in inventory.of_type("aws_iam_user_policy"):
            grant = _inline(inventory, p)
            for user in targets(p, "user", "aws_iam_user"):
                self.user_grants[user].append(grant)
        for p in inventory.of_type("aws_iam_group_policy"):
            grant = _inline(inventory, p)
            for group in targets(p, "group", "aws_iam_group"):
                self.group_grants[group].append(grant)
        attached_scps = {address for a in inventory.of_type("aws_organizations_policy_attachment")
                         for address in (r.address for r in inventory.link(a, "policy_id", "aws_organizations_policy").resources)}
        for scp in inventory.of_type("aws_organizations_policy"):
            if scp.address in attached_scps and scp.get("type", "SERVICE_CONTROL_POLICY") == "SERVICE_CONTROL_POLICY":
                document = policy_of(inventory, scp, "content")
                self.account_grants.append(Grant(scp.address, scp.address, document=document)
                                           if not isinstance(document, (Unknown, str))
                                           else Grant(scp.address, scp.address, problem=document))

    def grants(self, user: str) -> list[Grant]:
        found = list(self.user_grants.get(user, ()))
        for group in sorted(self.groups_of.get(user, ())):
            found.extend(self.group_grants.get(group, ()))
        return found + self.account_grants


def access_graph(inventory: Inventory) -> AccessGraph:
    return inventory.derive("access_graph", AccessGraph)


def user_name(user: Resource) -> str | Unknown:
    name = user.values.get("name")
    return name if isinstance(name, str) else Unknown(f"the name of {user.address} is known only after apply")
