"""Who gets which IAM policy: documents wherever they come from (inline JSON,
jsonencode, heredoc, aws_iam_policy_document, AWS-managed ARNs) and the paths
by which they reach a user (direct, via groups, via the organization)."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from .iam import (ANY, MAYBE, Caller, NamedPrincipal, Policy, PolicyError, PolicySet, admits_iam_principals,
                  allows_only, assumable, denies_uncertain, parse_policy, refused_policy, service_context, service_may,
                  write_power)
from .managed_policies import managed_policy, managed_policy_name
from .model import LOOKED_UP, ORGANIZATIONS, SENSITIVE, Inventory, RenderedJSON, Resource, Unknown, Untraced, arn_account

POLICY_RESOURCES = {  # type -> attribute holding the document
    "aws_iam_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_organizations_policy": "content",
}


_VARIABLE_FIELDS = ("Resource", "NotResource")  # where the provider turns &{...} into ${...}


def _merge(statements: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """The provider's IAMPolicyDoc.Merge: a statement with a Sid replaces the one
    with the same Sid in place; every other statement is appended."""
    for statement in new:
        sid = statement.get("Sid")
        index = next((i for i, s in enumerate(statements) if sid and s.get("Sid") == sid), None)
        if index is None:
            statements.append(statement)
        else:
            statements[index] = statement


def _documents(values: dict[str, Any], attr: str) -> list[dict[str, Any]] | Unknown:
    """The JSON documents in source_policy_documents or override_policy_documents."""
    documents = values.get(attr) or []
    if isinstance(documents, Unknown) or any(isinstance(d, Unknown) for d in documents):
        return Unknown(f"a document in {attr} of a policy document is known only after apply")
    parsed = []
    for text in documents:
        if text is None:
            continue
        if text is SENSITIVE:
            return Unknown(f"a document in {attr} of a policy document is sensitive")
        try:
            document = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            return Unknown(f"a document in {attr} of a policy document is not valid JSON: the provider would not render it")
        statements = document.get("Statement") if isinstance(document, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list):
            return Unknown(f"a document in {attr} of a policy document has no Statement list")
        parsed.append({**document, "Statement": statements})
    return parsed


def _version(*documents: Any) -> str:
    return max((d.get("Version") or "" for d in documents if isinstance(d, dict)), default="") or "2012-10-17"


def render_policy_document(values: dict[str, Any]) -> dict[str, Any] | Unknown:
    """The policy an aws_iam_policy_document renders from its arguments, as the AWS
    provider renders it (policy_document_data_source.go): source_policy_documents merged
    in order (a Sid twice among them is the provider's error), then the statement
    blocks, then override_policy_documents, each replacing statements by Sid. Parts
    that are not known stay Unknown inside it; a document the provider would refuse
    to render is Unknown too."""
    if any(values.get(k) for k in ("source_json", "override_json")):
        return Unknown("source_json and override_json must be empty in the aws provider 5.x: it would not render")
    sources = _documents(values, "source_policy_documents")
    overrides = _documents(values, "override_policy_documents")
    for merged in (sources, overrides):
        if not isinstance(merged, list):
            return merged
    statements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for document in sources:
        for statement in document["Statement"]:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if sid:
                if sid in seen:
                    return Unknown(f"duplicate Sid ({sid}) in source_policy_documents: the provider would not render it")
                seen.add(sid)
        _merge(statements, list(document["Statement"]))
    own = _statement_blocks(values)
    if isinstance(own, Unknown):
        return own
    _merge(statements, own)
    for document in overrides:
        _merge(statements, list(document["Statement"]))
    version = max(_version(*sources, *overrides), values.get("version") or "2012-10-17")
    rendered: dict[str, Any] = {"Version": version, "Statement": statements}
    if values.get("policy_id"):
        rendered["Id"] = values["policy_id"]
    return rendered


def _variables(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("&{", "${")
    if isinstance(value, list):
        return [_variables(v) for v in value]
    return value


def _statement_blocks(values: dict[str, Any]) -> list[dict[str, Any]] | Unknown:
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
                rendered[key] = _variables(block[attr]) if key in _VARIABLE_FIELDS else block[attr]
        for attr, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            if block.get(attr):
                if not all(isinstance(p, dict) for p in block[attr]):
                    return Unknown("a principal of a policy document is known only after apply")
                if len(block[attr]) == 1 and block[attr][0].get("type") == "*" \
                        and block[attr][0].get("identifiers") in ("*", ["*"]):
                    rendered[key] = "*"  # as the provider's iamPolicyStatementPrincipalSet.MarshalJSON
                    continue
                rendered[key] = {p.get("type"): _variables(p.get("identifiers")) for p in block[attr]}
        conditions: dict[str, dict[str, Any]] = {}
        for condition in block.get("condition") or ():
            test, variable = condition.get("test"), condition.get("variable")
            if isinstance(test, Unknown) or isinstance(variable, Unknown):
                return Unknown("a condition of a policy document is known only after apply")
            conditions.setdefault(test, {}).setdefault(variable, [])
            values_ = condition.get("values")
            if isinstance(values_, Unknown) or isinstance(conditions[test][variable], Unknown):
                conditions[test][variable] = Unknown("a condition value of a policy document is known only after apply")
            else:
                conditions[test][variable] += _variables(list(values_ or []))
        if conditions:
            rendered["Condition"] = conditions
        statements.append(rendered)
    return statements


def _unknown_leaves(value: Any) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [u for item in value for u in _unknown_leaves(item)] if isinstance(value, list) else []


def _referenced_principals(inventory: Inventory, data: Resource) -> Any:
    """An aws_iam_policy_document's statement blocks, with a principal identifier known
    only after apply (`identifiers = [aws_iam_user.x.arn]`) marked as naming the user or
    role it refers to (NamedPrincipal), where that is unambiguous: the blocks refer to
    exactly one resource, an IAM user or role managed here whose name and path are known,
    and the identifier is the blocks' only unknown value (a plan records references per
    argument, not per value; one through a local it did not follow is not taken). Else as
    they are."""
    blocks = data.values.get("statement")
    unknowns = _unknown_leaves(blocks)
    addresses = set(data.references.get("statement", ()))
    addresses = {a for a in addresses if not any(b.startswith(f"{a}[") for b in addresses)}  # x of x["k"]
    if len(unknowns) != 1 or isinstance(unknowns[0], Untraced) or len(addresses) != 1:
        return blocks
    (address,) = addresses
    targets = inventory.referenced(data, "statement", PRINCIPAL_KINDS)
    if len(targets) > 1:  # x["k"] of a for_each: that instance, as the reference names it
        targets = [t for t in targets if t.address == address]
    arn = principal_arn(targets[0]) if len(targets) == 1 and targets[0].mode == "managed" else None
    if arn is None:
        return blocks

    def named(principals: Any) -> Any:
        if not isinstance(principals, list):
            return principals
        return [{**p, "identifiers": [NamedPrincipal(f"{i.why} (the ARN of {targets[0].address})", arn)
                                      if isinstance(i, Unknown) else i for i in p["identifiers"]]}
                if isinstance(p, dict) and p.get("type") == "AWS" and isinstance(p.get("identifiers"), list) else p
                for p in principals]
    return [{**b, "principals": named(b.get("principals")), "not_principals": named(b.get("not_principals"))}
            if isinstance(b, dict) else b for b in blocks]


def _document_source(inventory: Inventory, data: Resource, depth: int = 0) -> Any:
    """An aws_iam_policy_document's JSON, or what it renders to from its arguments;
    a document in source/override_policy_documents known only after apply is followed
    to the one policy document it refers to."""
    document = data.values.get("json")
    if isinstance(document, str):
        return document
    values = dict(data.values)
    values["statement"] = _referenced_principals(inventory, data)
    for attr in ("source_policy_documents", "override_policy_documents"):
        value = values.get(attr)
        if depth < 8 and (isinstance(value, Unknown) or (isinstance(value, list) and
                                                         any(isinstance(v, Unknown) for v in value))):
            sources = inventory.referenced(data, attr, ["aws_iam_policy_document"])
            if len(sources) == 1 and (isinstance(value, Unknown) or len(value) == 1):
                values[attr] = [_document_source(inventory, sources[0], depth + 1)]
    return render_policy_document(values)


def _partly_known(value: Any) -> bool:
    return isinstance(value, Unknown) and getattr(value, "document", None) is not None


def document_of(inventory: Inventory, resource: Resource, attr: str) -> Any:
    """The policy document in `resource.attr`: its JSON text, a document decoded here with
    Unknown parts (jsonencode in .tf mode, an aws_iam_policy_document rendered from its
    arguments), or Unknown."""
    value = resource.values.get(attr)
    if value is SENSITIVE:
        return Unknown(f"{resource.address}.{attr} is sensitive")
    if _partly_known(value):
        return value.document
    if isinstance(value, Unknown):
        sources = inventory.referenced(resource, attr, ["aws_iam_policy_document"])
        if len(sources) != 1:
            return value if inventory.kind == "live" else \
                Unknown(f"{resource.address}.{attr} is known only after apply")  # live: why the read failed
        return _document_source(inventory, sources[0])
    return Unknown(f"{resource.address} has no {attr}") if value is None else value


def policy_of(inventory: Inventory, resource: Resource, attr: str) -> Policy | Unknown:
    """The policy in `resource.attr`: parsed, or Unknown (not seen, or not valid policy JSON)."""
    document = document_of(inventory, resource, attr)
    if isinstance(document, Unknown):
        return document
    try:
        return parse_policy(document, resource.address)
    except PolicyError as exc:
        value = resource.values.get(attr)
        return value if _partly_known(value) else Unknown(str(exc))  # an unknown part may be what is wrong


@dataclass(frozen=True)
class Grant:
    """A policy reaching a user: `via` the resource that attaches it; Unknown when it
    cannot be seen or is not valid policy JSON. `removed_by`: an exclusive resource
    (README: exclusive resources) whose next apply detaches it, or the membership it
    comes through."""

    via: str
    policy: Policy | Unknown
    removed_by: str = ""
    maybe_removed_by: str = ""  # an exclusive resource whose policy cannot be told: it may detach this one

    @property
    def name(self) -> str:
        name = self.policy.name if isinstance(self.policy, Policy) else self.via
        if self.removed_by:
            return f"{name} (removed by {self.removed_by} on the next apply)"
        return f"{name} (maybe removed by {self.maybe_removed_by} on the next apply)" if self.maybe_removed_by else name

    @property
    def effective(self) -> Policy | Unknown:
        """What IAM may evaluate: a policy about to be detached grants, but denies nothing for sure;
        one that may be detached grants, and whether it denies cannot be told."""
        if isinstance(self.policy, Policy) and self.removed_by:
            return allows_only(self.policy, f"removed by {self.removed_by}")
        if isinstance(self.policy, Policy) and self.maybe_removed_by:
            return denies_uncertain(self.policy, f"{self.maybe_removed_by} names a policy that cannot be told; "
                                                 f"whether the next apply detaches {self.policy.name} depends on it")
        return self.policy


Source = Resource | str | None  # where a policy ARN leads: a policy resource, a known ARN, or not known at all


def _arn_sources(inventory: Inventory, resource: Resource, attr: str) -> list[tuple[Policy | Unknown, Source]]:
    """The policies a policy ARN (or list of ARNs) names, each with where it leads:
    customer policies in the inventory, AWS-managed ones from the snapshot; any other is Unknown."""
    link = inventory.link(resource, attr, "aws_iam_policy")
    found: list[tuple[Policy | Unknown, Source]] = [(policy_of(inventory, p, "policy"), p) for p in link.resources]
    for arn in link.outside:
        found.append((managed_policy(arn) if managed_policy_name(arn) else
                      Unknown(f"policy {arn} is not in this plan"), arn))
    if link.unknown is not None:
        found.append((link.unknown, None))
    if not found and resource.values.get(attr) is None:
        found.append((Unknown(f"{resource.address} names no policy"), None))
    return found


def _arn_policies(inventory: Inventory, resource: Resource, attr: str) -> list[Policy | Unknown]:
    return [policy for policy, _ in _arn_sources(inventory, resource, attr)]


def _may_be(arn: str | None, source: Source) -> bool:
    """Whether a policy ARN that leads to no policy here (None: not known at all) may still
    name the policy `source` leads to: a policy created here, whose ARN is known only after
    apply, by its path and name (arn:aws:iam::ACCOUNT:policy/PATH/NAME)."""
    if arn is None:
        return True
    if not isinstance(source, Resource) or isinstance(dict.get(source.values, "arn"), str):
        return False  # a known ARN, and a different one: it would have led here
    name, path = source.values.get("name"), source.values.get("path", "/")
    if not isinstance(name, str):
        return True
    named = arn.split(":", 5)[-1]
    return named == f"policy{path}{name}" if isinstance(path, str) else named.endswith(f"/{name}")


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


def _scp_reach(inventory: Inventory, attachment: Resource) -> bool | Unknown:
    """Whether the attachment's target holds this account: the organization root (r-...)
    does; an account ID does when it is the input's account (`Inventory.account`), and
    cannot be told when the input shows no single account; an OU may or may not hold it."""
    target = attachment.values.get("target_id")
    if isinstance(target, str) and (target.startswith("r-") or target in inventory.facts.get("scp_targets", ())):
        return True
    if isinstance(target, str) and target.isdigit():
        if inventory.account is None:
            return Unknown(f"{attachment.address} attaches to account {target}, and which account the input "
                           f"runs in cannot be seen")
        return target == inventory.account
    if isinstance(target, str):
        return Unknown(f"{attachment.address} attaches to {target}, and whether this account is in it "
                       f"cannot be seen")
    if inventory.referenced(attachment, "target_id", ["aws_organizations_organization"]):
        return True  # a reference to the organization is taken as one to its root (README: SCPs)
    return Unknown(f"{attachment.address}.target_id is known only after apply")


# The IAM resource types a template makes users, keys, memberships or their policies with.
USER_SIDE_TYPES = {"AccessKey", "Group", "GroupPolicy", "ManagedPolicy", "Policy", "User", "UserPolicy",
                   "UserToGroupAddition"}
# Those CloudFormation refuses to make unless CAPABILITY_IAM or CAPABILITY_NAMED_IAM is acknowledged
# (CreateStack, Capabilities: "If you don't specify either of these capabilities, CloudFormation
# returns an InsufficientCapabilities error").
NEED_CAPABILITY = {"AccessKey", "Group", "InstanceProfile", "ManagedPolicy", "Policy", "Role", "User",
                   "UserToGroupAddition"}
STACKS = ("aws_cloudformation_stack", "aws_cloudformation_stack_set",
          "aws_serverlessapplicationrepository_cloudformation_stack")  # the last: a template never in the plan


def iam_made_elsewhere(inventory: Inventory) -> list[tuple[str, str]]:
    """(address, why) of the stacks and Cloud Control resources of the plan that make (or may
    make) IAM users, keys, memberships or policies: accountguard does not evaluate templates."""
    found = []
    for stack in inventory.of_type(*STACKS):
        body = stack.values.get("template_body")
        if not isinstance(body, str) or "AWS::CloudFormation::Stack" in body or "Transform" in body:
            found.append((stack.address, "may make IAM users, keys or policies, and its template (or one it "
                                         "nests or transforms) cannot be seen"))
            continue
        capabilities = [] if stack.left_unset("capabilities") else stack.values.get("capabilities")
        made = set(re.findall(r"AWS::IAM::(\w+)", body)) & USER_SIDE_TYPES
        if isinstance(capabilities, list) and not {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} & set(capabilities):
            made -= NEED_CAPABILITY
        if made:
            found.append((stack.address, f"its template makes {', '.join(f'AWS::IAM::{t}' for t in sorted(made))}, "
                                         "and accountguard does not evaluate templates"))
    for resource in inventory.of_type("aws_cloudcontrolapi_resource"):
        kind = resource.values.get("type_name")
        if not isinstance(kind, str):
            found.append((resource.address, "makes a resource whose type is known only after apply"))
        elif kind.startswith("AWS::IAM::") and kind.removeprefix("AWS::IAM::") in USER_SIDE_TYPES:
            found.append((resource.address, f"makes an {kind}, and accountguard does not evaluate Cloud Control "
                                            "resources"))
    return found


def management_account(inventory: Inventory) -> str | Unknown:
    """The resource showing that a plan runs in its organization's management account, or "":
    only the management account creates the organization (it becomes it) or member accounts
    (CreateOrganization, CreateAccount), and SCPs never restrict its users and roles. So does
    an Organizations ARN (arn:aws:organizations::MANAGEMENT:...) or `master_account_id` naming
    the input's own account. Unknown when the input looks its organization up and its management
    account cannot be compared with the input's (a .tf directory reads no data source)."""
    made = next((r.address for r in inventory.of_type("aws_organizations_organization", "aws_organizations_account")),
                "")
    own = inventory.account
    if made:
        return made
    if own is not None:
        named = next((r.address for r in inventory.resources if r.type.startswith(ORGANIZATIONS)
                      and own in (arn_account(dict.get(r.values, "arn")), dict.get(r.values, "master_account_id"))),
                     "")
        if named:
            return named
    for organization in inventory.of_type("data.aws_organizations_organization"):
        master = organization.values.get("master_account_id")
        if isinstance(master, str) and own is not None:
            continue  # compared above
        seen = f"is {master}, and which account the input runs in cannot be seen" if isinstance(master, str) else \
            "is known only after apply" if isinstance(master, Unknown) else LOOKED_UP
        return Unknown(f"{organization.address}.master_account_id {seen}: whether this is the organization's "
                       "management account, whose users and roles SCPs never restrict, cannot be told")
    return ""


def _scp_applies(inventory: Inventory, attachment: Resource) -> bool:
    """False for an attachment a live account's organization shows to be outside
    it: a target not above this account, or any target in the management account,
    which SCPs never restrict (`scp_targets`, from the Organizations reader)."""
    targets = inventory.facts.get("scp_targets")
    return targets is None or attachment.values.get("target_id") in targets


SCP = "SERVICE_CONTROL_POLICY"  # the provider's default `type` of an aws_organizations_policy


def _scps(inventory: Inventory, attachment: Resource) -> list[Resource]:
    """The SCPs of this input an attachment attaches, those whose type is unknown included."""
    return [scp for scp in inventory.link(attachment, "policy_id", "aws_organizations_policy").resources
            if scp.values.get("type") in (None, SCP) or isinstance(scp.values.get("type"), Unknown)]


def attached_scps(inventory: Inventory, attachment: Resource) -> list[Policy | Unknown]:
    """The service control policies of this plan an aws_organizations_policy_attachment
    attaches (looked up ones included), as AWS Organizations lets them be: an SCP or an
    attachment past its quotas never exists (_size_refusal, _crowded). Other policy types
    (tag, backup, AI opt-out) deny no action. Policy IDs that are not in the plan are left
    to the caller."""
    found: list[Policy | Unknown] = []
    crowded = _crowded(inventory, attachment)
    for scp in _scps(inventory, attachment):
        if isinstance(scp.values.get("type"), Unknown):
            found.append(Unknown(f"the type of {scp.address} is known only after apply"))
            continue
        policy = policy_of(inventory, scp, "content")
        if isinstance(policy, Policy):
            too_large, why = _size_refusal(inventory, scp)
            prior = _prior_content(inventory, scp) if too_large is True else None
            policy = prior or refused_policy(policy, why) if too_large is True else \
                denies_uncertain(policy, why) if too_large is MAYBE else policy
        if isinstance(policy, Policy) and crowded:
            policy = denies_uncertain(policy, crowded)
        found.append(policy)
    return found


def _prior_content(inventory: Inventory, scp: Resource) -> Policy | Unknown | None:
    """The content an SCP keeps when UpdatePolicy refuses the new one: its content before
    the change, when the plan shows it."""
    before = inventory.before.at(scp.address) if inventory.before is not None else None
    return policy_of(inventory.before, before, "content") if before is not None and before.mode == "managed" \
        else None


# --- what AWS Organizations refuses to create (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html)

SCP_MAX_SIZE = 5120  # "Maximum size of a policy document": characters in one version of the page, bytes in another
SCP_MAX_PER_TARGET = 5  # "Maximum number you can attach to a root, OU, or account", FullAWSAccess included
FULL_AWS_ACCESS = "p-FullAWSAccess"  # AWS's own SCP, attached by default: it allows everything and denies nothing


def _collapsed(value: Any) -> Any:
    if isinstance(value, list):
        items = [_collapsed(v) for v in value]
        return items[0] if len(items) == 1 else items
    return {k: _collapsed(v) for k, v in value.items()} if isinstance(value, dict) else value


def json_length_bounds(document: Any, indented: bool | None = None) -> tuple[int, int | None]:
    """How long the JSON text of a document decoded here can be, as Terraform or the
    provider writes it `indented` with two spaces (json.MarshalIndent, the data source's
    `json`), compact (`minified_json`, jsonencode) or either (None): at least with
    one-element lists written as their element (as the provider's policy_model.go does)
    and nothing escaped; at most with every list kept and every non-ASCII character and
    <, > and & escaped (Go's encoder). An unknown part counts for nothing in the least,
    and leaves no most (None)."""
    unknown = 0

    def known(value: Any) -> Any:
        nonlocal unknown
        if isinstance(value, Unknown) or value is SENSITIVE:
            unknown += 1
            return 0  # one character, taken off below
        if isinstance(value, list):
            return [known(v) for v in value]
        return {k: known(v) for k, v in value.items()} if isinstance(value, dict) else value
    shape = known(document)
    least = len(json.dumps(_collapsed(shape), indent=2 if indented else None,
                           separators=(",", ": ") if indented else (",", ":"), ensure_ascii=False)) - unknown
    if unknown:
        return least, None
    text = json.dumps(shape, indent=None if indented is False else 2,
                      separators=(",", ":") if indented is False else (",", ": "), ensure_ascii=True)
    return least, len(text) + 5 * sum(text.count(c) for c in "<>&")


def _size_refusal(inventory: Inventory, scp: Resource) -> tuple[bool | None, str]:
    """Whether CreatePolicy or UpdatePolicy refuses the SCP's content as over the size
    limit: True, False or MAYBE, and why. The provider sends `content` as written, and
    AWS counts it as saved through the API, whitespace included. A plan's text is
    Terraform's and so is a .tf value the evaluator computes (its jsonencode is
    Terraform's, tests/test_hcl_differential.py); the page counts characters in one
    version and bytes in another, so both are counted. A document rendered here is
    measured by json_length_bounds, and so is an aws_iam_policy_document's JSON in .tf mode."""
    if scp.mode != "managed" or inventory.kind == "live":
        return False, ""  # it exists
    document = document_of(inventory, scp, "content")
    if isinstance(document, Unknown):
        return False, ""  # unreadable anyway
    if isinstance(document, RenderedJSON):
        least, most = json_length_bounds(json.loads(document), document.indented)
    elif isinstance(document, str):
        least, most = len(document), len(document.encode())
    else:
        least, most = json_length_bounds(document)
    limit = f"the {SCP_MAX_SIZE:,} characters AWS Organizations accepts for an SCP"
    if least > SCP_MAX_SIZE:
        return True, f"{'' if least == most else 'at least '}{least:,} characters, over {limit}"
    if most is None or most > SCP_MAX_SIZE:
        return MAYBE, (f"{scp.address} may be over {limit}: {least:,} to "
                       f"{f'{most:,}' if most is not None else 'any number of'} characters, as Terraform or the "
                       "provider may write it")
    return False, ""


def _target(inventory: Inventory, attachment: Resource) -> str | None:
    target = attachment.values.get("target_id")
    if isinstance(target, str):
        return target
    found = inventory.referenced(attachment, "target_id", ["aws_organizations_organizational_unit",
                                                           "aws_organizations_account",
                                                           "aws_organizations_organization"])
    return found[0].address if len(found) == 1 else None


def created(inventory: Inventory) -> frozenset[str]:
    """The addresses a plan creates an object at (replacements included); as a derived view."""
    return inventory.derive("created", lambda i: frozenset(c.address for c in i.changes if "create" in c.actions))


def _attachments_by_target(inventory: Inventory) -> dict[str, list[Resource]]:
    """The managed SCP attachments of each target _target can tell."""
    found: dict[str, list[Resource]] = defaultdict(list)
    for attachment in inventory.of_type("aws_organizations_policy_attachment"):
        target = _target(inventory, attachment) if attachment.mode == "managed" else None
        if target is not None:
            found[target].append(attachment)
    return found


def _crowded(inventory: Inventory, attachment: Resource) -> str:
    """Why AttachPolicy may refuse this attachment, or "": a target holds at most five SCPs,
    FullAWSAccess (attached to every root, OU and account by default) among them unless
    this input attaches it itself. Which of the attachments created together get a place
    cannot be told (Terraform makes them in parallel); one already made keeps its own."""
    if inventory.kind == "live" or attachment.mode != "managed" or (
            inventory.kind == "plan" and attachment.address not in created(inventory)):
        return ""
    target = _target(inventory, attachment)
    if target is None:
        return ""  # where it is cannot be told: the callers say so
    scps, full_access = 0, False
    for other in inventory.derive("attachments_by_target", _attachments_by_target).get(target, ()):
        link = inventory.link(other, "policy_id", "aws_organizations_policy")
        full_access |= FULL_AWS_ACCESS in link.outside
        scps += bool(_scps(inventory, other) or link.outside or link.unknown)  # an ID outside may be an SCP's
    if scps + (not full_access) <= SCP_MAX_PER_TARGET:
        return ""
    return (f"{scps} SCP attachments to {target}" + ("" if full_access else " besides FullAWSAccess")
                   + f": AWS Organizations attaches at most {SCP_MAX_PER_TARGET} SCPs to a root, OU or account, "
                   f"so {attachment.address} may be refused")


def _boundary(inventory: Inventory, principal: Resource) -> Policy | Unknown | None:
    """The permissions boundary of a user or a role; None when it has none."""
    boundary = principal.values.get("permissions_boundary")
    if boundary is None or boundary == "":  # the provider reads an unset boundary back as ""
        return None
    policies = _arn_policies(inventory, principal, "permissions_boundary")
    return policies[0] if len(policies) == 1 else \
        Unknown(f"the permissions boundary of {principal.address} cannot be told")


def _role_own_policies(inventory: Inventory, role: Resource) -> list[Policy | Unknown]:
    """The policies aws_iam_role sets itself (`inline_policy` blocks, `managed_policy_arns`);
    left unset, they are what the other resources attach."""
    found: list[Policy | Unknown] = []
    if not role.left_unset("managed_policy_arns") and role.values.get("managed_policy_arns") != []:
        found += _arn_policies(inventory, role, "managed_policy_arns")
    if role.left_unset("inline_policy"):
        return found
    blocks = role.values.get("inline_policy")
    if not isinstance(blocks, list):
        return found + [Unknown(f"{role.address}.inline_policy is known only after apply")]
    for block in blocks:
        if not isinstance(block, dict):
            found.append(Unknown(f"an inline_policy of {role.address} is known only after apply"))
            continue
        document = block.get("policy")
        if document is None or document == "":
            continue  # an empty inline_policy block removes the role's inline policies
        if isinstance(document, Unknown) or document is SENSITIVE:
            found.append(Unknown(f"an inline_policy of {role.address} is known only after apply"))
            continue
        try:
            found.append(parse_policy(document, f"inline policy {block.get('name')} of {role.address}"))
        except PolicyError as exc:
            found.append(Unknown(str(exc)))
    return found


class AccessGraph:
    """Every user, the groups it is in, and the policies IAM evaluates for it; every
    role managed here and the policies of its sessions."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.users: list[Resource] = inventory.of_type("aws_iam_user")
        self.groups = {g.values.get("name") for g in inventory.of_type("aws_iam_group")}
        self.groups_of: dict[str, set[str]] = defaultdict(set)
        self.leaving: dict[tuple[str, str], str] = {}  # (user, group) -> the exclusive membership removing it
        self.user_grants: dict[str, list[Grant]] = defaultdict(list)
        self.group_grants: dict[str, list[Grant]] = defaultdict(list)
        self.scps: list[Grant] = []
        self.unknown: list[Unknown] = []  # memberships or attachments whose target cannot be seen
        kept: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)  # group -> (exclusive membership, its users)
        for m in inventory.of_type("aws_iam_user_group_membership"):
            for user in self._targets(m, "user", "aws_iam_user", self.unknown):
                self.groups_of[user].update(self._targets(m, "groups", "aws_iam_group", self.unknown))
        for m in inventory.of_type("aws_iam_group_membership"):
            groups = self._targets(m, "group", "aws_iam_group", self.unknown)
            users = self._targets(m, "users", "aws_iam_user", self.unknown)
            for group in groups:
                kept[group].append((m.address, set(users)))
            for user in users:
                self.groups_of[user].update(groups)
        for user, groups in self.groups_of.items():
            for group in groups:
                self.leaving[user, group] = next((a for a, users in kept.get(group, ()) if user not in users), "")
        self._grant("user", self.user_grants, self.unknown)
        self._grant("group", self.group_grants, self.unknown)
        self._roles: tuple[dict[str, list[Grant]], list[Unknown]] | None = None
        self.roles = [r for r in inventory.of_type("aws_iam_role") if r.mode == "managed"]
        # a live account's organization says itself which SCPs apply (_scp_applies)
        self.management = management_account(inventory) if inventory.kind != "live" else ""
        self.elsewhere: list[str] = []  # the attachments of SCPs to another account than the input's
        for a in inventory.of_type("aws_organizations_policy_attachment"):
            if isinstance(self.management, str) and self.management or not _scp_applies(inventory, a):
                continue
            reach = _scp_reach(inventory, a)
            if reach is False:
                self.elsewhere.append(a.address)
                continue
            if reach is True and isinstance(self.management, Unknown):
                reach = self.management
            for policy in attached_scps(inventory, a):
                self.scps.append(Grant(a.address, reach if isinstance(reach, Unknown) else policy))
        self.boundary_of: dict[str, Policy | Unknown | None] = {}
        self._role_sets: dict[int, PolicySet] = {}  # made when a control asks: only roles' controls read roles
        self._edges: dict[int, list[tuple[Resource, bool | None, str]]] = {}
        self._trusts: dict[int, Policy | Unknown] = {}
        self._assumable_leading: list[Resource] | None = None
        for user in self.users:
            name = user.values.get("name")
            if isinstance(name, str):
                self.boundary_of[name] = _boundary(inventory, user)

    def _targets(self, resource: Resource, attr: str, type_: str, unknown: list[Unknown]) -> list[str]:
        found, unseen = names(self.inventory, resource, attr, type_)
        if unseen is not None:
            unknown.append(unseen)
        return found

    def _grant(self, principal: str, grants: dict[str, list[Grant]], unknown: list[Unknown]) -> None:
        """Every policy attached to or set inline on a `principal` (user, group or role), each
        with the exclusive resource that detaches it on the next apply, if any."""
        inventory, kind = self.inventory, f"aws_iam_{principal}"
        # owner -> (exclusive resource, the policies it keeps, the ARNs it keeps that lead to no policy here)
        kept_arns: dict[str, list[tuple[str, set[Policy], list[str | None]]]] = defaultdict(list)
        kept_names: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
        kept_owners: dict[Policy, list[tuple[str, set[str]]]] = defaultdict(list)  # aws_iam_policy_attachment
        unresolved: list[tuple[str, set[str], str | None]] = []  # the same, of a policy that cannot be told

        def keeps(resource: Resource, attr: str) -> tuple[str, set[Policy], list[str | None]]:
            sources = _arn_sources(inventory, resource, attr)
            return (resource.address, {p for p, _ in sources if isinstance(p, Policy)},
                    [s if isinstance(s, str) else None for p, s in sources if not isinstance(p, Policy)])
        exclusive = inventory.of_type(f"{kind}_policy_attachments_exclusive")
        for e in exclusive:
            for owner in names(inventory, e, f"{principal}_name", kind)[0]:
                kept_arns[owner].append(keeps(e, "policy_arns"))
        if principal == "role":  # managed_policy_arns, when set, is exclusive too
            for role in self.roles:
                if not role.left_unset("managed_policy_arns") and isinstance(role.values.get("name"), str):
                    kept_arns[role.values["name"]].append(keeps(role, "managed_policy_arns"))
        for e in inventory.of_type(f"{kind}_policies_exclusive"):
            listed = e.values.get("policy_names")
            if isinstance(listed, list):
                for owner in names(inventory, e, f"{principal}_name", kind)[0]:
                    kept_names[owner].append((e.address, set(listed)))
        for a in inventory.of_type("aws_iam_policy_attachment"):
            owners = set(names(inventory, a, f"{principal}s", kind)[0])
            for policy, source in _arn_sources(inventory, a, "policy_arn"):
                if isinstance(policy, Policy):
                    kept_owners[policy].append((a.address, owners))
                else:
                    unresolved.append((a.address, owners, source if isinstance(source, str) else None))

        def removed_by(owner: str, policy: Policy, source: Source, inline_name: Any) -> str:
            if inline_name is not None:
                return next((a for a, kept in kept_names.get(owner, ()) if inline_name not in kept), "")
            return next((a for a, kept, vague in kept_arns.get(owner, ())
                         if policy not in kept and not any(_may_be(arn, source) for arn in vague)), "") or \
                next((a for a, kept in kept_owners.get(policy, ()) if owner not in kept), "")

        def maybe_removed_by(owner: str, policy: Policy, source: Source, via: str) -> str:
            """An exclusive resource keeping a policy that cannot be told and may be this one, or an
            aws_iam_policy_attachment whose policy cannot be told and which may be this one's: it
            detaches its policy from every user, group and role it does not list."""
            return next((a for a, kept, vague in kept_arns.get(owner, ())
                         if policy not in kept and any(_may_be(arn, source) for arn in vague)), "") or \
                next((a for a, kept, arn in unresolved if a != via and owner not in kept and _may_be(arn, source)), "")

        def grant(resource: Resource, owner: str, policy: Policy | Unknown, source: Source,
                  inline_name: Any) -> Grant:
            if not isinstance(policy, Policy):
                return Grant(resource.address, policy)
            removed = removed_by(owner, policy, source, inline_name)
            maybe = "" if removed or inline_name is not None else maybe_removed_by(owner, policy, source,
                                                                                   resource.address)
            return Grant(resource.address, policy, removed, maybe)

        def attach(resource: Resource, policies: list[tuple[Policy | Unknown, Source]], attr: str,
                   inline_name: Any = None) -> None:
            for name in self._targets(resource, attr, kind, unknown):
                grants[name].extend(grant(resource, name, p, source, inline_name) for p, source in policies)

        for a in inventory.of_type(f"{kind}_policy_attachment"):
            attach(a, _arn_sources(inventory, a, "policy_arn"), principal)
        for a in exclusive:
            attach(a, _arn_sources(inventory, a, "policy_arns"), f"{principal}_name")
        inline: dict[str, set[str]] = defaultdict(set)
        for p in inventory.of_type(f"{kind}_policy"):
            name = p.values.get("name")
            attach(p, [(policy_of(inventory, p, "policy"), None)], principal, name if isinstance(name, str) else "")
            for owner in names(inventory, p, principal, kind)[0]:
                inline[owner].add(name if isinstance(name, str) else "")
        for e in inventory.of_type(f"{kind}_policies_exclusive"):
            listed = e.values.get("policy_names")
            for owner in self._targets(e, f"{principal}_name", kind, unknown):
                if not isinstance(listed, list) or any(not isinstance(n, str) for n in listed):
                    missing = [Unknown(f"{e.address}.policy_names is known only after apply")]
                else:
                    missing = [Unknown(f"inline policy {n} of {principal} {owner} ({e.address}) is not in "
                                       f"this plan") for n in sorted(set(listed) - inline[owner])]
                grants[owner].extend(Grant(e.address, u) for u in missing)
        for a in inventory.of_type("aws_iam_policy_attachment"):
            attach(a, _arn_sources(inventory, a, "policy_arn"), f"{principal}s")

    def _identity_grants(self, user: str) -> list[Grant]:
        found = list(self.user_grants.get(user, ()))
        for group in sorted(self.groups_of.get(user, ())):
            leaving = self.leaving.get((user, group), "")
            found.extend(replace(g, removed_by=g.removed_by or leaving) for g in self.group_grants.get(group, ()))
        return found

    def grants(self, user: str) -> list[Grant]:
        """Identity policies (direct and via groups), then SCPs."""
        return self._identity_grants(user) + self.scps

    def policy_set(self, user: str) -> PolicySet:
        """What IAM evaluates for the user's requests; memberships and attachments that
        cannot be placed may add anything (an Unknown policy)."""
        identity = [g.effective for g in self._identity_grants(user)]
        for group in sorted(self.groups_of.get(user, ())):
            if group not in self.groups:  # looked up, or made elsewhere: its other policies are unseen
                identity.append(Unknown(f"group {group} of user {user} is not in this plan, so its policies "
                                        f"cannot be seen"))
        identity.extend(self.unknown)
        return PolicySet(tuple(identity), self.boundary_of.get(user), tuple(g.policy for g in self.scps))

    def trust_of(self, role: Resource) -> Policy | Unknown:
        if id(role) not in self._trusts:
            self._trusts[id(role)] = trust_policy(self.inventory, role)
        return self._trusts[id(role)]

    def leading_to_power(self) -> set[int]:
        """The roles (by id) whose sessions may do more than Read and List, by their policies, by
        resource policies naming them, or by assuming others: found backwards from the roles with
        that power, so a verdict never reads the trust policy of a role that leads nowhere. A view
        of the inventory: what it cannot know only adds roles (an unknown policy may grant, an
        unknown trust may admit)."""
        return self.inventory.derive("roles_leading_to_power", lambda _: self._leading_to_power())

    def _leading_to_power(self) -> set[int]:
        from .resource_policies import resource_writer  # which judges resource policies with this graph

        leading = [r for r in self.roles if write_power(self.role_policy_set(r)) is not None
                   or resource_writer(self.inventory, r) != (None, None)]
        found = {id(r) for r in leading}
        while leading:
            target = leading.pop()
            if not self._admits_iam(target):
                continue
            for role in self.roles:
                if id(role) not in found and _may_assume(self, target, _caller(self.inventory, role, "role", self.role_policy_set(role))):
                    found.add(id(role))
                    leading.append(role)
        return found

    def _admits_iam(self, role: Resource) -> bool:
        trust = self.trust_of(role)
        return isinstance(trust, Unknown) or admits_iam_principals(trust)

    def assumable_leading(self) -> list[Resource]:
        """The roles leading to power that a user or role may assume at all (their trust
        policy may name an IAM principal): what `_assumable_by` judges each caller against."""
        if self._assumable_leading is None:
            leading = self.leading_to_power()
            self._assumable_leading = [r for r in self.roles if id(r) in leading and self._admits_iam(r)]
        return self._assumable_leading

    def edges_of(self, role: Resource) -> list[tuple[Resource, bool | None, str]]:
        """The roles a session of `role` may assume (computed once per role)."""
        if id(role) not in self._edges:
            self._edges[id(role)] = _assumable_by(self.inventory, _caller(self.inventory, role, "role", self.role_policy_set(role)))
        return self._edges[id(role)]

    def role_policy_set(self, role: Resource) -> PolicySet:
        """What IAM evaluates for the requests of the role's sessions."""
        if id(role) not in self._role_sets:
            name = role.values.get("name")
            if not isinstance(name, str):
                made = PolicySet((Unknown(f"the name of {role.address} is known only after apply"),))
            else:
                if self._roles is None:  # read when a control asks: only the controls about roles read them
                    self._roles = (defaultdict(list), [])
                    self._grant("role", *self._roles)
                grants, unknown = self._roles
                identity = [g.effective for g in grants.get(name, ())] + unknown
                identity += _role_own_policies(self.inventory, role)
                made = PolicySet(tuple(identity), _boundary(self.inventory, role), tuple(g.policy for g in self.scps))
            self._role_sets[id(role)] = made
        return self._role_sets[id(role)]


def trust_policy(inventory: Inventory, role: Resource) -> Policy | Unknown:
    """The role's trust policy (from an aws_iam_policy_document when it is known only
    after apply, or in parts in .tf mode). Its statements name no Resource: it is the
    role's own. IAM accepts neither Resource, NotResource nor NotPrincipal in a role trust
    policy (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html);
    one holding them cannot be as written, and evaluating it would not be AWS's answer either
    (a NotPrincipal Deny holds for every caller with a permissions boundary, whatever it
    names, the same page says): Unknown."""
    policy = policy_of(inventory, role, "assume_role_policy")
    if isinstance(policy, Policy) and any(s.not_principals is not None or s.resources is not None
                                          or s.not_resources is not None for s in policy.statements):
        return Unknown(f"the trust policy of {role.address} has NotPrincipal, Resource or NotResource, which IAM "
                       "does not accept in a role trust policy, so the role cannot be as written")
    return policy


def _caller(inventory: Inventory, resource: Resource, kind: str, policies: PolicySet) -> Caller:
    """The user or role as sts:AssumeRole sees it, in the input's account where its ARN does not say."""
    name, path = resource.values.get("name"), resource.values.get("path", "/")
    known = isinstance(name, str) and isinstance(path, str)
    caller = Caller(_caller_arns(resource, kind), _account_of(resource), policies, kind == "role",
                    f"{kind}{path}{name}" if known else None)
    return caller.in_account(inventory.account) if caller.account is None and inventory.account else caller


PRINCIPAL_KINDS = {"aws_iam_user": "user", "aws_iam_role": "role"}


def principal_arn(resource: Resource) -> str | None:
    """The ARN of a user or role (arn:PARTITION:iam::ACCOUNT:user|role PATH NAME), with
    partition and account `*` while the ARN is known only after apply; None when its name
    or path is not known."""
    arn = dict.get(resource.values, "arn")
    if isinstance(arn, str):
        return arn
    name, path = resource.values.get("name"), resource.values.get("path", "/")
    return f"arn:*:iam::*:{PRINCIPAL_KINDS[resource.type]}{path}{name}" \
        if isinstance(name, str) and isinstance(path, str) else None


def _caller_arns(resource: Resource, kind: str) -> tuple[str, ...]:
    """How a Principal names this user or role: its ARN, or, while that is known only
    after apply, its path and name in any account (and a role's sessions)."""
    name = resource.values.get("name")
    arn = principal_arn(resource)
    arns = [arn] if arn is not None else [f"arn:*:iam::*:{kind}/{name}", f"arn:*:iam::*:{kind}/*/{name}"]
    if kind == "role":
        arns.append(f"arn:*:sts::*:assumed-role/{name}/*")
    return tuple(arns)


@dataclass(frozen=True)
class Assumption:
    """A role a principal can reach by assuming roles, one after the other (`chain`,
    ending with this role's address). `certain`: False where that depends on what
    cannot be known (an unreadable trust policy, a condition on an unknown value)."""

    role: Resource
    chain: tuple[str, ...]
    certain: bool
    why: str


def _assumable_by(inventory: Inventory, caller: Caller) -> list[tuple[Resource, bool | None, str]]:
    """The roles managed here that lead to power and `caller` may assume (True or MAYBE), and why."""
    found = []
    graph = access_graph(inventory)
    for role in graph.assumable_leading():
        trust = graph.trust_of(role)
        arn = dict.get(role.values, "arn")
        if isinstance(trust, Unknown):
            found.append((role, MAYBE, f"its trust policy cannot be read: {trust.why}"))
            continue
        allowed, why = assumable(trust, caller, arn if isinstance(arn, str) else None)
        if allowed is not False:
            found.append((role, allowed, why))
    return found


def _may_assume(graph: AccessGraph, role: Resource, caller: Caller) -> bool:
    trust, arn = graph.trust_of(role), dict.get(role.values, "arn")
    return isinstance(trust, Unknown) or assumable(trust, caller, arn if isinstance(arn, str) else None)[0] is not False


def assumable_roles(inventory: Inventory, user: Resource) -> list[Assumption]:
    """The roles managed here that `user` can assume, directly or through roles it can
    assume (role chaining), each once, nearest first, among those that lead to more than
    Read and List (AccessGraph.leading_to_power). A role whose trust policy names
    only principals this input does not hold is not among them; one whose trust policy
    cannot be read may be."""
    graph = access_graph(inventory)
    found: dict[int, Assumption] = {}
    queue: list[tuple[list[tuple[Resource, bool | None, str]], tuple[str, ...], bool]] = [
        (_assumable_by(inventory, _caller(inventory, user, "user", graph.policy_set(user.values["name"]))), (), True)]
    while queue:
        edges, chain, certain = queue.pop(0)
        for role, allowed, why in edges:
            seen = found.get(id(role))
            reached = Assumption(role, chain + (role.address,), certain and allowed is True, why)
            if seen is not None and (seen.certain or not reached.certain):
                continue
            found.pop(id(role), None)
            found[id(role)] = reached
            queue.append((graph.edges_of(role), reached.chain, reached.certain))
    return list(found.values())


def access_graph(inventory: Inventory) -> AccessGraph:
    return inventory.derive("access_graph", AccessGraph)


def user_name(user: Resource) -> str | Unknown:
    name = user.values.get("name")
    return name if isinstance(name, str) else Unknown(f"the name of {user.address} is known only after apply")


# --- resource-based policies: which document AWS evaluates for a topic or a key ---------

def _account_of(resource: Resource) -> str | None:
    """The owner's account ID from the ARN; an ARN known only after apply leaves it
    unknown, which only widens what the evaluation cannot know (so it is not a read)."""
    return arn_account(dict.get(resource.values, "arn"))


OWNER = "<the owner account>"  # stands for the account's ID in a default policy, whatever it is


def default_topic_policy(account: str | None) -> Policy:
    """The policy SNS gives a topic created without one: the owner account's principals
    (AWS:SourceOwner), so CloudWatch alarms of the account publish and AWS Budgets,
    which carries no AWS:SourceOwner, does not
    (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html,
    https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html)."""
    return parse_policy({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                   "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic",
                   "SNS:Publish"],
        "Resource": "*", "Condition": {"StringEquals": {"AWS:SourceOwner": account or OWNER}}}]},
        "the default topic policy")


def default_key_policy(account: str | None) -> Policy:
    """The policy KMS gives a key created without one: the account's root, so IAM
    policies decide; no AWS service principal may use the key
    (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""
    return parse_policy({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account or OWNER}:root"}, "Action": "kms:*", "Resource": "*"}]},
        "the default key policy")


def _resource_policy(inventory: Inventory, resource: Resource, replacing: str, target_attr: str,
                     target_types: tuple[str, ...], default) -> tuple[Policy | Unknown, Resource]:
    """The policy of `resource`: the one a `replacing` resource sets on it, else its own
    `policy`, else AWS's default; and the owner account when its ARN says it. Two `replacing`
    resources are Unknown: a resource has one policy, and whichever Terraform applies last wins."""
    account = _account_of(resource)
    setting = []
    for other in inventory.of_type(replacing):
        link = inventory.link(other, target_attr, *target_types)
        if resource in link.resources:
            setting.append(other)
        elif link.unknown is not None:
            return Unknown(f"{other.address} sets the policy of a resource known only after apply"), resource
    if len(setting) > 1:
        return Unknown(f"{' and '.join(r.address for r in setting)} all set the policy of {resource.address}, "
                       "which has one: whichever Terraform applies last replaces the others"), resource
    if setting:
        return policy_of(inventory, setting[0], "policy"), resource
    if resource.mode != "managed":
        return Unknown(f"{resource.address} is looked up (a data source), so its policy cannot be seen"), resource
    if resource.left_unset("policy"):
        return default(account), resource
    return policy_of(inventory, resource, "policy"), resource


def no_bucket_policy(account: str | None) -> Policy:
    """A bucket without a policy: S3 lets in only the owner account's principals, by their
    IAM policies, and no AWS service principal
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-policy-language-overview.html)."""
    return parse_policy({"Version": "2012-10-17", "Statement": []}, "the bucket, which has no bucket policy,")


def bucket_policy(inventory: Inventory, bucket: Resource) -> tuple[Policy | Unknown, Resource]:
    """The policy S3 evaluates for a bucket (aws_s3_bucket_policy replaces the bucket's own)."""
    return _resource_policy(inventory, bucket, "aws_s3_bucket_policy", "bucket", ("aws_s3_bucket",),
                            no_bucket_policy)


def topic_policy(inventory: Inventory, topic: Resource) -> tuple[Policy | Unknown, Resource]:
    """The policy SNS evaluates for a topic (aws_sns_topic_policy replaces the topic's own)."""
    return _resource_policy(inventory, topic, "aws_sns_topic_policy", "arn", ("aws_sns_topic",),
                            default_topic_policy)


def key_policy(inventory: Inventory, key: Resource) -> tuple[Policy | Unknown, Resource]:
    """The policy KMS evaluates for a key (aws_kms_key_policy replaces the key's own)."""
    return _resource_policy(inventory, key, "aws_kms_key_policy", "key_id", (key.type,), default_key_policy)


def lets_service(policy: Policy | Unknown, resource: Resource, service: str, actions: tuple[str, ...],
                 target: str | None = None, **context: Any) -> str | Unknown | None:
    """None when the resource policy lets `service` perform `actions` on `target` (an ARN;
    by default the resource's own); else why not, or an Unknown. The owner account's keys
    (aws:SourceAccount, AWS:SourceOwner) hold the account's ID when known; in a default
    policy they match whatever it is."""
    if isinstance(policy, Unknown):
        return policy
    account = _account_of(resource)
    arn = target or dict.get(resource.values, "arn")  # known or not, as _account_of
    owner = (account or OWNER,) if account or policy.name.startswith("the default") else ANY
    keys = {"aws:SourceAccount": owner, "AWS:SourceOwner": owner, "aws:SourceArn": ANY, **context}
    allowed, why = service_may(policy, service, actions, arn if isinstance(arn, str) else None,
                               service_context(service, **keys))
    if allowed is True:
        return None
    return why if allowed is False else Unknown(why)


# What a key that is not enabled is, in KMS's words for its state
# (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
UNUSABLE_KEY_STATES = {
    "PendingDeletion": "is pending deletion (key state PendingDeletion): it cannot be used and will be deleted "
                       "when its waiting period ends",
    "PendingReplicaDeletion": "is pending deletion (key state PendingReplicaDeletion): it cannot be used and "
                              "will be deleted when its waiting period ends",
    "PendingImport": "has no key material (key state PendingImport), so it cannot be used",
    "Unavailable": "is unavailable (key state Unavailable: its custom key store is disconnected), so it "
                   "cannot be used",
    "Creating": "is still being created (key state Creating), so it cannot be used yet",
}

KEY_TYPES = ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key", "aws_kms_external_key",
             "aws_kms_replica_external_key")


def key_gap(inventory: Inventory, key: Resource, service: str, actions: tuple[str, ...],
            **context: Any) -> str | Unknown | None:
    """None when `service` can use this key for `actions`: an alias leads to its key, a
    disabled or asymmetric key or one without key material encrypts nothing (services
    ask GenerateDataKey), and the key policy must let the service in."""
    if key.type == "aws_kms_alias":
        targets = inventory.link(key, "target_key_id", *KEY_TYPES)
        gaps = [key_gap(inventory, k, service, actions, **context) for k in targets.resources
                if k.type != "aws_kms_alias"]
        if None in gaps:
            return None
        if targets.outside:
            return Unknown(f"{key.address} points to a key outside this input, whose policy cannot be seen")
        return next(iter(gaps), None) or targets.unknown or f"{key.address} points to no key"
    if key.type in ("aws_kms_external_key", "aws_kms_replica_external_key") and key.mode == "managed" \
            and key.values.get("key_material_base64") is None:
        return f"its key {key.address} has no key material imported, so it cannot encrypt"
    attr = "is_enabled" if key.type == "aws_kms_key" and key.mode == "managed" else "enabled"
    enabled = key.values.get(attr)
    if isinstance(enabled, Unknown):
        return Unknown(f"whether {key.address} is enabled is known only after apply")
    if enabled is False:
        state = key.values.get("key_state")  # live and data.aws_kms_key say it
        return f"its key {key.address} " + UNUSABLE_KEY_STATES.get(state, "is disabled")
    spec = key.values.get("customer_master_key_spec")
    if isinstance(spec, Unknown) and not key.left_unset("customer_master_key_spec"):
        return Unknown(f"customer_master_key_spec of {key.address} is known only after apply")
    if isinstance(spec, str) and spec != "SYMMETRIC_DEFAULT":
        return (f"its key {key.address} is a {spec} key; {service} encrypts with data keys, which only "
                "symmetric encryption keys generate")
    policy, owner = key_policy(inventory, key)
    refused = lets_service(policy, owner, service, actions, **context)
    if isinstance(refused, str):
        return f"its key {key.address} does not let {service} use it: {refused}"
    return refused
