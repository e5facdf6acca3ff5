"""AWS Organizations, as the management account (or a delegated administrator)
sees it, in the AWS provider's vocabulary: the organization with its roots and
accounts, every OU, every account with its parent, every service control policy
with its content and the targets it is attached to.

A standalone account (AWSOrganizationsNotInUseException) has none of these: a
fact, not a failure. A member account is refused the listing calls (only the
management account and a delegated administrator may make them): the organization,
its OUs and accounts are then unreadable, and SCPs are left out (they only deny: IAM
judged without them can only fail more). Emails are never read into the inventory."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .reader import ReadFailed, Reader

REGION = "us-east-1"  # the Organizations endpoint of the aws partition
SCP = "SERVICE_CONTROL_POLICY"
NOT_IN_USE = "AWSOrganizationsNotInUseException"
ORGANIZATION, OU, ACCOUNT, POLICY, ATTACHMENT = (
    "aws_organizations_organization", "aws_organizations_organizational_unit", "aws_organizations_account",
    "aws_organizations_policy", "aws_organizations_policy_attachment")
TYPES = (ORGANIZATION, OU, ACCOUNT, POLICY, ATTACHMENT)
STRUCTURE = (ORGANIZATION, OU, ACCOUNT)  # unreadable when the organization cannot be listed
EVERYWHERE = "*"


@dataclass
class Organization:
    """What the management account's view holds, kept apart so that a member's
    inventory can be given the part of it that applies to that member."""

    organization: dict[str, Any]
    units: dict[str, dict[str, Any]] = field(default_factory=dict)  # OU ID -> values
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # account ID -> values
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # SCP ID -> values
    targets: dict[str, list[str]] = field(default_factory=dict)  # SCP ID -> root, OU and account IDs
    unread: dict[str, str] = field(default_factory=dict)  # target ID (or EVERYWHERE) -> why its SCPs are unread

    def unread_scps(self, account_id: str | None = None) -> str | None:
        """Why an SCP that may hold `account_id` (any account: None) could not be read, if one could not."""
        chain = set(self.chain(account_id)) if account_id else None
        return next((why for target, why in self.unread.items()
                     if target == EVERYWHERE or chain is None or target in chain), None)

    @property
    def id(self) -> str:
        return self.organization["id"]

    @property
    def management_account(self) -> str:
        return self.organization["master_account_id"]

    def chain(self, account_id: str) -> list[str]:
        """The root, the OUs down to the account and the account: every target whose SCPs apply to it."""
        chain = [account_id]
        parent = self.accounts[account_id]["parent_id"]
        while parent in self.units:
            chain.append(parent)
            parent = self.units[parent]["parent_id"]
        chain.append(parent)
        return chain[::-1]

    def path(self, account_id: str) -> str:
        """The account's OU path, as `Root/Workloads/Prod`."""
        names = {root["id"]: root["name"] for root in self.organization["roots"]}
        names.update({ou_id: ou["name"] for ou_id, ou in self.units.items()})
        return "/".join(names.get(node, node) for node in self.chain(account_id)[:-1])

    def resources(self, account_id: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(type, address, values) of the whole organization, or of only what is
        above `account_id`: its chain of OUs, itself, and the SCPs attached to that chain."""
        chain = set(self.chain(account_id)) if account_id else None
        organization = self.organization if chain is None else dict(  # a member sees itself among the accounts
            self.organization, **{key: [a for a in self.organization[key] if a["id"] == account_id]
                                  for key in ("accounts", "non_master_accounts")})
        found = [(ORGANIZATION, self.organization["arn"], organization)]
        found += [(OU, ou["arn"], ou) for ou_id, ou in self.units.items() if chain is None or ou_id in chain]
        found += [(ACCOUNT, a["arn"], a) for a_id, a in self.accounts.items() if chain is None or a_id in chain]
        for policy_id, policy in self.policies.items():
            targets = [t for t in self.targets.get(policy_id, ()) if chain is None or t in chain]
            if chain is None or targets:
                found.append((POLICY, policy["arn"], policy))
            found += [(ATTACHMENT, f"{policy['arn']}#{target}", {"policy_id": policy_id, "target_id": target})
                      for target in targets]
        return found


def read(reader: Reader) -> Organization | None:
    """The organization, or None for a standalone account; ReadFailed when a call
    listing it is refused or fails (the caller makes every type unreadable). SCPs
    that cannot be read are recorded in `unread`, the rest still read."""
    try:
        described = reader.call("organizations", REGION, "DescribeOrganization")["Organization"]
    except ReadFailed as failure:
        if failure.code == NOT_IN_USE:
            return None
        raise
    roots = reader.pages("organizations", REGION, "ListRoots", "Roots")
    accounts = [{"id": a["Id"], "name": a.get("Name"), "arn": a["Arn"], "status": a.get("Status")}
                for a in reader.pages("organizations", REGION, "ListAccounts", "Accounts")]
    enabled = sorted({t["Type"] for root in roots for t in root.get("PolicyTypes") or ()
                      if t.get("Status") == "ENABLED"})
    organization = Organization({
        "id": described["Id"], "arn": described["Arn"], "master_account_id": described.get("MasterAccountId"),
        "master_account_arn": described.get("MasterAccountArn"), "feature_set": described.get("FeatureSet"),
        "enabled_policy_types": enabled,
        "roots": [{"id": r["Id"], "name": r.get("Name"), "arn": r["Arn"],
                   "policy_types": [{"type": t.get("Type"), "status": t.get("Status")}
                                    for t in r.get("PolicyTypes") or ()]} for r in roots],
        "accounts": accounts,
        "non_master_accounts": [a for a in accounts if a["id"] != described.get("MasterAccountId")]})
    status = {a["id"]: a["status"] for a in accounts}
    parents = [r["Id"] for r in roots]
    while parents:  # breadth first: one ListOrganizationalUnitsForParent and one ListAccountsForParent per node
        parent = parents.pop(0)
        for ou in reader.pages("organizations", REGION, "ListOrganizationalUnitsForParent", "OrganizationalUnits",
                               ParentId=parent):
            organization.units[ou["Id"]] = {"id": ou["Id"], "name": ou.get("Name"), "arn": ou["Arn"],
                                            "parent_id": parent}
            parents.append(ou["Id"])
        for a in reader.pages("organizations", REGION, "ListAccountsForParent", "Accounts", ParentId=parent):
            organization.accounts[a["Id"]] = {"id": a["Id"], "name": a.get("Name"), "arn": a["Arn"],
                                              "parent_id": parent, "status": a.get("Status") or status.get(a["Id"])}
    if SCP in enabled:
        _service_control_policies(reader, organization)
    return organization


def _service_control_policies(reader: Reader, organization: Organization) -> None:
    """Every SCP with its content and targets. A read that fails leaves unread only
    the places it could concern: the targets of a policy whose content cannot be
    read, everywhere when the policies or one policy's targets cannot be listed."""
    try:
        summaries = reader.pages("organizations", REGION, "ListPolicies", "Policies", Filter=SCP)
    except ReadFailed as failure:
        organization.unread[EVERYWHERE] = str(failure)
        return
    for summary in summaries:
        try:
            targets = [t["TargetId"] for t in reader.pages("organizations", REGION, "ListTargetsForPolicy", "Targets",
                                                           PolicyId=summary["Id"])]
        except ReadFailed as failure:
            organization.unread.setdefault(EVERYWHERE, str(failure))
            continue
        try:
            policy = reader.call("organizations", REGION, "DescribePolicy", PolicyId=summary["Id"])["Policy"]
        except ReadFailed as failure:
            for target in targets:
                organization.unread.setdefault(target, str(failure))
            continue
        organization.policies[summary["Id"]] = {
            "id": summary["Id"], "arn": summary["Arn"], "name": summary.get("Name"), "type": SCP,
            "aws_managed": summary.get("AwsManaged", False), "content": policy.get("Content")}
        organization.targets[summary["Id"]] = targets
