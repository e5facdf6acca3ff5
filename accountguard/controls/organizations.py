"""AG_ORG_1: the guardrails an organization holds its member accounts with. Which
SCPs hold an account follows from where they are attached: the root holds every
account, an OU the accounts under it and under its child OUs, an account itself;
none holds the management account
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
Whether their Denies refuse the guardrail actions is IAM's own evaluation (iam.py)."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterator

from ..access import FULL_AWS_ACCESS, attached_scps, created
from ..config import Config
from ..iam import ActionSet, Context, Policy, PolicySet, action_set, compiled, deny_gap
from ..model import LOOKED_UP, Error, Fail, Inventory, Pass, Resource, Status, Unknown, Verdict
from . import Coverage, control

ORGANIZATION = ("aws_organizations_organization", "data.aws_organizations_organization")
# A live account's fact, unreadable where an SCP that may hold it could not be read (sources/live/organizations.py)
UNREAD_SCPS = "service_control_policies"
UNIT = "aws_organizations_organizational_unit"  # the type of the resource and of the data source
ACCOUNT = "aws_organizations_account"
ATTACHMENT = "aws_organizations_policy_attachment"
# An account this plan creates gets a new ID, which no policy written before can name.
NEW_ACCOUNT_ID = "000000000000"

Node = tuple[str, str]  # ("root", ""), ("unit" | "account", address), ("unit-id" | "account-id", ID outside the plan)
ROOT: Node = ("root", "")


@dataclass(frozen=True)
class Guardrail:
    """What must be denied, and to whom: the account's IAM users and roles, or its root user."""

    what: str
    actions: tuple[str, ...]
    root_user: bool = False

    @property
    def needed(self) -> ActionSet:
        return ActionSet.union(action_set(a) for a in self.actions)


# CIS AWS Foundations v7 2.1.2 and AWS's SCP examples
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples.html).
GUARDRAILS = (
    Guardrail("leaving the organization", ("organizations:LeaveOrganization",)),
    Guardrail("stopping or deleting CloudTrail trails", ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail")),
    Guardrail("disabling GuardDuty or deleting its detector", ("guardduty:UpdateDetector", "guardduty:DeleteDetector")),
    Guardrail("acting as the root user", ("*",), root_user=True),
)


def _principal(account_id: str, name: str, description: str, arn: str, kind: str) -> Context:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    return Context(name, description, (("aws:principalarn", (arn,)), ("aws:principaltype", (kind,)),
                                       ("aws:principalaccount", (account_id,)),
                                       ("aws:principalisawsservice", ("false",))))


def contexts(guardrail: Guardrail, account_id: str) -> tuple[Context, ...]:
    """The requests a guardrail must refuse. An IAM user or role stands for every one not
    named by an exception (a break-glass role exempted by name leaves the others held);
    every other key (MFA, source IP, tags, region) may take any value."""
    if guardrail.root_user:
        return (_principal(account_id, "root", "the account's root user", f"arn:aws:iam::{account_id}:root",
                           "Account"),)
    return (_principal(account_id, "user", "an IAM user of the account",
                       f"arn:aws:iam::{account_id}:user/any-user", "User"),
            _principal(account_id, "role", "an IAM role of the account",
                       f"arn:aws:iam::{account_id}:role/any-role", "AssumedRole"))


@dataclass(frozen=True)
class Held:
    """An SCP (or what cannot be seen of one) attached `via` a resource to a place."""

    via: str
    policy: Policy | Unknown


class Organization:
    """Roots, OUs, accounts and the SCPs attached to each, as the provider's resources
    name them (in a plan, a .tf directory or a live organization alike)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.organizations = inventory.of_type(*ORGANIZATION)
        self.accounts = inventory.of_type(ACCOUNT)
        self.attachments = inventory.of_type(ATTACHMENT)
        self.attached: dict[Node, list[Held]] = defaultdict(list)
        self.unplaced: list[tuple[Held, str]] = []  # attached where cannot be told, and why
        self.unassigned: dict[tuple[str, str], Unknown] = {}  # (address, attribute) AWS assigned before this plan
        for attachment in self.attachments:
            self._attach(attachment, "target_id", self._policies(attachment))
        for enabled in inventory.of_type("aws_controltower_control"):
            self._attach(enabled, "target_identifier", [Unknown(
                f"{enabled.address} enables a Control Tower control, whose SCP accountguard does not read")])
        for zone in inventory.of_type("aws_controltower_landing_zone"):
            self.unplaced.append((Held(zone.address, Unknown(
                f"{zone.address} sets up Control Tower, whose mandatory SCPs accountguard does not read")),
                "the OUs it governs cannot be seen"))

    def _policies(self, attachment: Resource) -> list[Policy | Unknown]:
        found = attached_scps(self.inventory, attachment)
        link = self.inventory.link(attachment, "policy_id", "aws_organizations_policy")
        found += [Unknown(f"policy {policy_id} that {attachment.address} attaches is not in this plan")
                  for policy_id in link.outside if policy_id != FULL_AWS_ACCESS]
        if link.unknown is not None:
            found.append(link.unknown)
        return found

    def _attach(self, resource: Resource, attr: str, policies: list[Policy | Unknown]) -> None:
        target = self.node(resource, attr)
        for policy in policies:
            if isinstance(target, Unknown):
                self.unplaced.append((Held(resource.address, policy), target.why))
            else:
                self.attached[target].append(Held(resource.address, policy))

    def node(self, resource: Resource, attr: str) -> Node | Unknown:
        """The root, OU or account `attr` names: by its ID or ARN, or, when that is known
        only after apply, by the resource it refers to. A reference to the organization
        is to its root: the only place in it an OU, an account or an SCP can hang from."""
        value = resource.values.get(attr)
        if isinstance(value, str):
            units = self.inventory.find(UNIT, value)
            if units:
                return ("unit", units[0].address)
            accounts = self.inventory.find(ACCOUNT, value)
            if accounts:
                return ("account", accounts[0].address)
            identity = value.rsplit("/", 1)[-1]  # an ARN ends with the ID
            if re.fullmatch(r"r-[0-9a-z]{4,32}", identity):
                return ROOT
            if re.fullmatch(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}", identity):
                return ("unit-id", identity)
            if re.fullmatch(r"[0-9]{12}", identity):
                return ("account-id", identity)
            return Unknown(f"{resource.address}.{attr} names no root, OU or account")
        if isinstance(value, Unknown):
            targets = self.inventory.referenced(resource, attr, [UNIT, ACCOUNT, ORGANIZATION[0]])
            if len(targets) == 1:
                target = targets[0]
                if target.type == ORGANIZATION[0]:
                    return ROOT
                return ("account" if target.type == ACCOUNT else "unit", target.address)
            return Unknown(f"{resource.address}.{attr} is known only after apply"
                           + (" and refers to more than one place" if targets else ""))
        return Unknown(f"{resource.address} has no {attr}")

    def path(self, start: Node) -> tuple[list[Node], str | None]:
        """`start` and every place above it, up to the root; why what is above a place
        cannot be seen, when it cannot."""
        nodes, node = [], start
        while node not in nodes and len(nodes) < 32:
            nodes.append(node)
            kind, key = node
            if node == ROOT:
                return nodes, None
            if kind not in ("unit", "account"):
                return nodes + [ROOT], f"where {key} sits in the organization is not in this plan"
            resource = self.inventory.at(key)
            if kind == "account" and resource.left_unset("parent_id"):
                node = ROOT  # the provider places an account without parent_id in the root
                continue
            parent = self.node(resource, "parent_id")
            if isinstance(parent, Unknown):
                return nodes + [ROOT], parent.why
            node = parent
        return nodes + [ROOT], "its parents form a loop"

    def scps_off(self) -> str | None:
        """Why no SCP can take effect in the organization, if it says so."""
        for organization in self.organizations:
            name = organization.address
            if organization.values.get("feature_set") == "CONSOLIDATED_BILLING":
                return f"{name} has only consolidated billing, and SCPs need all features"
            enabled = organization.values.get("enabled_policy_types")
            if isinstance(enabled, list) and all(isinstance(t, str) for t in enabled) \
                    and "SERVICE_CONTROL_POLICY" not in enabled:
                return f"{name} does not enable the SERVICE_CONTROL_POLICY policy type"
            roots = self.assigned(organization, "roots")
            for root in roots if isinstance(roots, list) else ():
                types = root.get("policy_types") if isinstance(root, dict) else None
                if isinstance(types, list) and all(isinstance(t, dict) for t in types) and not any(
                        t.get("type") == "SERVICE_CONTROL_POLICY" and t.get("status") == "ENABLED" for t in types):
                    return f"the root of {name} does not have SCPs enabled"
        return None

    def assigned(self, resource: Resource, attr: str) -> Any:
        """What AWS assigns an organization or account (its ID, status, management account,
        accounts): None while the plan creates it (see ASSIGNED). A plan that does not
        create it and still does not know it (a looked-up organization read only at
        apply), or a .tf directory looking it up, tells nothing: Unknown, and `unassigned`
        keeps why."""
        if not resource.left_unset(attr):
            return resource.values.get(attr)
        value = dict.get(resource.values, attr)  # left_unset noted the read: AWS's default, or unknown below
        if isinstance(value, Unknown) and self.inventory.kind == "plan" \
                and resource.address not in created(self.inventory):
            unknown = Unknown(f"{resource.address}.{attr} is known only after apply, and this plan does not "
                              f"create {resource.address}")
            self.unassigned.setdefault((resource.address, attr), unknown)
            return unknown
        if resource.mode == "data" and self.inventory.kind == "hcl":
            unknown = Unknown(f"{resource.address}.{attr} {LOOKED_UP}")
            self.unassigned.setdefault((resource.address, attr), unknown)
            return unknown
        return None

    def management_account(self) -> str | None:
        return next((m for m in (self.assigned(o, "master_account_id") for o in self.organizations)
                     if isinstance(m, str)), None)

    def listed_accounts(self) -> list[dict]:
        """Accounts the organization lists (a looked-up or live organization)."""
        found = {}
        for organization in self.organizations:
            for attr in ("accounts", "non_master_accounts"):
                listed = self.assigned(organization, attr)
                for account in listed if isinstance(listed, list) else ():
                    if isinstance(account, dict) and isinstance(account.get("id"), str):
                        found.setdefault(account["id"], account)
        return list(found.values())


# What a plan does not know of an organization or account it creates, and why that cannot
# open an account: the Coverage's declared defaults.
ASSIGNED = {
    "aws_organizations_account.id": "assigned at creation: a new account that no policy names but through a "
                                    "reference, and never the management account",
    "aws_organizations_account.status": "ACTIVE: CreateAccount makes an active account "
                                        "(https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html)",
    "aws_organizations_organization.master_account_id": "the account that creates the organization, never "
                                                        "one of the accounts it creates",
    "aws_organizations_organization.accounts": "a new organization holds the management account and the "
                                               "accounts this configuration creates",
    "aws_organizations_organization.roots": "the root AWS creates with the organization, with the policy types "
                                            "of its enabled_policy_types",
    "aws_organizations_organization.non_master_accounts": "as accounts: the accounts this configuration creates",
}


def organization(inventory: Inventory) -> Organization:
    return inventory.derive("organization", Organization)


@dataclass(frozen=True)
class Member:
    subject: str
    label: str  # for messages
    node: Node
    account_id: str


def members(org: Organization) -> Iterator[Member | Verdict]:
    """The accounts to judge (or why one is not judged): the accounts of the
    organization and the accounts SCPs are attached to; without any, an account the
    root holds, where AWS places every new and invited account."""
    management = org.management_account()
    seen: set[str] = set()
    for account in org.accounts:
        account_id = org.assigned(account, "id")
        account_id = account_id if isinstance(account_id, str) and account_id else NEW_ACCOUNT_ID
        seen.add(account_id)
        status = org.assigned(account, "status")
        if account_id == management:
            yield Verdict(Status.NOT_APPLICABLE, account.address, "the management account: SCPs never apply to it")
        elif isinstance(status, str) and status != "ACTIVE":
            yield Verdict(Status.NOT_APPLICABLE, account.address, f"account {account_id} is {status}: not judged")
        else:
            yield Member(account.address, f"account {account_id}" if account_id != NEW_ACCOUNT_ID
                         else "the account", ("account", account.address), account_id)
    if org.inventory.kind == "live":
        return
    outside = [a["id"] for a in org.listed_accounts()] + [key for kind, key in org.attached if kind == "account-id"]
    for account_id in dict.fromkeys(outside):
        if account_id not in seen and account_id != management:
            seen.add(account_id)
            yield Member(f"account:{account_id}", f"account {account_id}", ("account-id", account_id), account_id)
    if not seen:
        yield Member("account", "an account in the root, where AWS places every new and invited account", ROOT,
                     NEW_ACCOUNT_ID)


def _why_not(scps: list[Policy], gap: ActionSet, context: Context) -> str:
    """The first action of `gap`, and why each Deny naming it does not refuse it."""
    witness = gap.actions(limit=1)[0]
    reasons = [policy.name for policy in scps if not policy.statements]  # refused by AWS: its name says why
    for policy in scps:
        for c in compiled(policy, False, "Deny"):
            if witness not in c.actions:
                continue
            if not c.every_resource:
                reasons.append(f"{policy.name} {c.statement.label} denies it on some resources only")
                continue
            holds, deciding = c.holds(context)
            reasons.append(f"{policy.name} {c.statement.label} has a condition ({deciding}) that "
                           + ("does not hold for " + context.description if holds is False
                              else "depends on the request"))
    return witness + (f": {'; '.join(reasons)}" if reasons else "")


def judge_member(org: Organization, member: Member) -> Verdict:
    path, unseen_above = org.path(member.node)
    held = [h for node in path for h in org.attached.get(node, ())]
    maybe = list(org.unplaced)
    if unseen_above:
        maybe += [(h, unseen_above) for node, found in org.attached.items()
                  if node not in path and node[0] in ("unit", "unit-id") for h in found]
    policies = tuple(h.policy for h in held)
    readable = [p for p in policies if isinstance(p, Policy)]
    fails, errors, unseen = [], [], []
    for guardrail in GUARDRAILS:
        for context in contexts(guardrail, member.account_id):
            gap = deny_gap(PolicySet(scps=policies), guardrail.needed, context)
            if gap is None:
                continue
            if isinstance(gap, Unknown):
                errors.append(guardrail.what)
                unseen.append(gap.why)
            elif maybe and not isinstance(deny_gap(PolicySet(scps=policies + tuple(h.policy for h, _ in maybe)),
                                                   guardrail.needed, context), ActionSet):
                errors.append(guardrail.what)
                unseen.append(f"only an SCP attached by {maybe[0][0].via} may deny it, and {maybe[0][1]}")
            else:
                fails.append(f"{guardrail.what} is not denied to {context.description} "
                             f"({_why_not(readable, gap, context)})")
            break
    if fails:
        return Fail(member.subject, ("" if member.label == "the account" else f"{member.label}: ") + "; ".join(fails))
    if errors:
        return Error(member.subject, f"cannot tell whether SCPs deny {member.label} " + ", ".join(errors)
                     + ": " + "; ".join(dict.fromkeys(unseen)))
    vias = ", ".join(sorted({h.via for h in held}))
    return Pass(member.subject, f"SCPs ({vias}) deny {member.label} leaving the organization, stopping or "
                                "deleting trails, disabling GuardDuty and acting as its root user")


@control(
    id="AG_ORG_1",
    title="Member accounts are held by service control policies that deny leaving the organization, stopping "
          "or deleting CloudTrail trails, disabling GuardDuty or deleting its detector, and acting as a member "
          "account's root user",
    severity="high", cis="2.1.2", modes="PHL",
    rationale="A stolen member-account credential, the root user's included, must not be able to take the "
              "account out of the organization or blind CloudTrail and GuardDuty before it acts.",
    fix='data "aws_iam_policy_document" "guardrails" {\n'
        '  statement {\n    sid       = "DenyLeavingTheOrganization"\n    effect    = "Deny"\n'
        '    actions   = ["organizations:LeaveOrganization"]\n    resources = ["*"]\n  }\n'
        '  statement {\n    sid       = "DenyStoppingCloudTrail"\n    effect    = "Deny"\n'
        '    actions   = ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]\n    resources = ["*"]\n  }\n'
        '  statement {\n    sid       = "DenyDisablingGuardDuty"\n    effect    = "Deny"\n'
        '    actions   = ["guardduty:DeleteDetector", "guardduty:UpdateDetector"]\n    resources = ["*"]\n  }\n'
        '  statement {\n    sid       = "DenyRootUser"\n    effect    = "Deny"\n    actions   = ["*"]\n'
        '    resources = ["*"]\n    condition {\n      test     = "StringLike"\n'
        '      variable = "aws:PrincipalArn"\n      values   = ["arn:aws:iam::*:root"]\n    }\n  }\n}\n\n'
        'resource "aws_organizations_policy" "guardrails" {\n  name    = "guardrails"\n'
        '  content = data.aws_iam_policy_document.guardrails.json\n}\n\n'
        'resource "aws_organizations_policy_attachment" "root" {\n'
        '  policy_id = aws_organizations_policy.guardrails.id\n'
        '  target_id = aws_organizations_organization.this.roots[0].id\n}',
    coverage=Coverage(
        families=("aws_organizations_*", "data.aws_organizations_*", "aws_controltower_*",
                  "data.aws_controltower_*"),
        defaults=ASSIGNED,
        read=("aws_organizations_organization", "aws_organizations_organizational_unit", "aws_organizations_account",
              "aws_organizations_policy", "aws_organizations_policy_attachment",
              "data.aws_organizations_organization", "data.aws_organizations_organizational_unit",
              "data.aws_organizations_policy", "data.aws_iam_policy_document",
              "aws_controltower_control", "aws_controltower_landing_zone"),
        irrelevant={
            "aws_organizations_delegated_administrator": "lets a member account administer a service for the "
                                                         "organization; SCPs hold it as any member",
            "aws_organizations_resource_policy": "delegates Organizations API calls to member accounts: who may "
                                                 "change the SCPs later, not which hold the accounts now",
            "data.aws_organizations_delegated_administrators": "lists delegated administrators; changes nothing",
            "data.aws_organizations_delegated_services": "lists delegated services; changes nothing",
            "data.aws_organizations_organizational_unit_child_accounts":
                "lists an OU's accounts; an account or target named by one of its IDs is judged by that ID",
            "data.aws_organizations_organizational_unit_descendant_accounts":
                "lists accounts under an OU; an account or target named by one of its IDs is judged by that ID",
            "data.aws_organizations_organizational_unit_descendant_organizational_units":
                "lists OUs under an OU; a target named by one of their IDs is an OU outside the plan",
            "data.aws_organizations_organizational_units":
                "lists an OU's child OUs; a target named by one of their IDs is an OU outside the plan",
            "data.aws_organizations_policies": "lists policy IDs; attaching one attaches a policy not in the plan, "
                                               "an error where it decides",
            "data.aws_organizations_policies_for_target": "lists the IDs of policies attached to a target, which "
                                                          "the plan does not show: an error where it decides",
            "data.aws_organizations_resource_tags": "reads tags; SCPs do not depend on an account's tags",
            "data.aws_controltower_controls": "lists the controls enabled on an OU; changes nothing",
        }),
)
def held_by_scps(inventory: Inventory, config: Config):
    if inventory.kind == "live":
        inventory.fact(UNREAD_SCPS)  # Unreadable where an SCP that may hold the accounts could not be read
    org = organization(inventory)
    off = org.scps_off()
    if not org.attachments and not org.organizations and not org.accounts and not org.unplaced \
            and not org.attached:
        yield Fail("account", "no service control policy holds the member accounts: there is no "
                              "aws_organizations_policy_attachment")
        return
    verdicts = list(members(org))
    for (address, _), unknown in org.unassigned.items():
        yield Error(address, f"cannot tell which accounts the organization holds and where: {unknown.why}")
    for found in verdicts:
        if isinstance(found, Verdict):
            yield found
        elif off:
            yield Fail(found.subject, f"no SCP holds {found.label}: {off}")
        else:
            yield judge_member(org, found)
    if org.inventory.kind == "live" and not any(isinstance(v, Member) for v in verdicts):
        yield Pass("account", "the organization has no active member account", vacuous=True)
