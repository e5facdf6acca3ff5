"""IAM, read the way that costs fewest calls: the account authorization details
(users, groups, customer policies and every attachment, paginated), the
credential report (passwords, MFA and access keys of every user, and the root
user, in one CSV) and the account summary, whatever the number of users."""
from __future__ import annotations

import csv
import io
import json
import time
import urllib.parse
from datetime import datetime
from typing import Any

from ...model import Unknown
from .reader import DeadlinePassed, ReadFailed

TYPES = ("aws_iam_account_password_policy", "aws_iam_access_key", "root")  # and GLOBAL_TYPES
GLOBAL_TYPES = ("aws_iam_user", "aws_iam_group", "aws_iam_policy", "aws_iam_user_group_membership",
                "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_user_policy_attachment",
                "aws_iam_group_policy_attachment", "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment")
NO_VALUE = ("N/A", "no_information", "not_supported", "")
ROOT_ROW = "<root_account>"


def read(scan: Any, report_timeout: float) -> None:
    state = _generate_report(scan)  # AWS builds the report while the other reads are made
    users = _authorization_details(scan)
    _password_policy(scan)
    report = _credential_report(scan, report_timeout, state)
    _users_from_report(scan, users, report)
    scan.facts["root"] = _root(scan, report)


def _document(value: Any) -> str | None:
    """IAM returns policy documents URL-encoded; botocore usually decodes them to a dict."""
    if isinstance(value, str):
        return urllib.parse.unquote(value)
    return json.dumps(value) if value is not None else None


def _authorization_details(scan: Any) -> dict[str, dict[str, Any]]:
    """Users by name, with their values (the credential report adds to them)."""
    keys = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    try:
        pages = scan.reader.pages("iam", scan.reader.home, "GetAccountAuthorizationDetails", None,
                                  Filter=["User", "Group", "Role", "LocalManagedPolicy"],
                                  PaginationConfig={"PageSize": 1000})
        details = {key: [item for page in pages for item in page.get(key) or ()] for key in keys}
    except ReadFailed as failure:
        scan.cannot_read(GLOBAL_TYPES, failure)
        return {}
    users = {}
    for user in details["UserDetailList"]:
        name, arn = user["UserName"], user["Arn"]
        users[name] = values = {"name": name, "arn": arn, "path": user.get("Path"), "id": user.get("UserId"),
                                "permissions_boundary": (user.get("PermissionsBoundary") or {}).get(
                                    "PermissionsBoundaryArn")}
        scan.add("aws_iam_user", arn, values)
        scan.add("aws_iam_user_group_membership", f"{arn}#groups", {"user": name, "groups": user.get("GroupList") or []})
        _policies(scan, "user", name, arn, user)
    for group in details["GroupDetailList"]:
        name, arn = group["GroupName"], group["Arn"]
        scan.add("aws_iam_group", arn, {"name": name, "arn": arn})
        _policies(scan, "group", name, arn, group)
    for role in details["RoleDetailList"]:  # who can assume them, and what they can do then (AG_KEY_1)
        name, arn = role["RoleName"], role["Arn"]
        scan.add("aws_iam_role", arn, {"name": name, "arn": arn, "path": role.get("Path"),
                                       "assume_role_policy": _document(role.get("AssumeRolePolicyDocument")),
                                       "permissions_boundary": (role.get("PermissionsBoundary") or {}).get(
                                           "PermissionsBoundaryArn")})
        _policies(scan, "role", name, arn, role)
    for policy in details["Policies"]:
        default = next((v for v in policy.get("PolicyVersionList") or () if v.get("IsDefaultVersion")), {})
        name = policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1]
        scan.add("aws_iam_policy", policy["Arn"], {"name": name, "arn": policy["Arn"],
                                                   "policy": _document(default.get("Document"))})
    return users


def _policies(scan: Any, principal: str, name: str, arn: str, detail: dict[str, Any]) -> None:
    """The inline and attached policies of a user, a group or a role ("user", "group", "role")."""
    for policy in detail.get(f"{principal.capitalize()}PolicyList") or ():
        scan.add(f"aws_iam_{principal}_policy", f"{arn}#inline/{policy['PolicyName']}",
                 {principal: name, "name": policy["PolicyName"], "policy": _document(policy.get("PolicyDocument"))})
    for attached in detail.get("AttachedManagedPolicies") or ():
        scan.add(f"aws_iam_{principal}_policy_attachment", f"{arn}#attached/{attached['PolicyArn']}",
                 {principal: name, "policy_arn": attached["PolicyArn"]})


PASSWORD_POLICY = {
    "MinimumPasswordLength": "minimum_password_length",
    "RequireUppercaseCharacters": "require_uppercase_characters",
    "RequireLowercaseCharacters": "require_lowercase_characters",
    "RequireNumbers": "require_numbers",
    "RequireSymbols": "require_symbols",
    "PasswordReusePrevention": "password_reuse_prevention",
    "MaxPasswordAge": "max_password_age",
    "AllowUsersToChangePassword": "allow_users_to_change_password",
}


def _password_policy(scan: Any) -> None:
    try:
        policy = scan.reader.call("iam", scan.reader.home, "GetAccountPasswordPolicy")["PasswordPolicy"]
    except ReadFailed as failure:
        if "NoSuchEntity" not in str(failure):
            scan.cannot_read(["aws_iam_account_password_policy"], failure)
        return  # NoSuchEntity: the account has no password policy
    scan.add("aws_iam_account_password_policy", f"arn:aws:iam::{scan.account_id}:account-password-policy",
             {attr: policy.get(key) for key, attr in PASSWORD_POLICY.items()})


def _generate_report(scan: Any) -> str | ReadFailed:
    """The credential report's state once asked for (or why it could not be)."""
    try:
        return scan.reader.call("iam", scan.reader.home, "GenerateCredentialReport").get("State")
    except ReadFailed as failure:
        return failure


def _credential_report(scan: Any, timeout: float, state: str | ReadFailed) -> list[dict[str, str]] | ReadFailed:
    """The report's rows, or why there are none. Generating it takes seconds to
    minutes: it was asked for before the other reads (`state` then), is asked
    for again as soon as they are done, then at growing intervals. A report not
    ready within `timeout` of waiting is a failure, never an empty account."""
    if isinstance(state, ReadFailed):
        return state
    reader, deadline, delay = scan.reader, time.monotonic() + timeout, 0.0
    try:
        while state != "COMPLETE":
            if time.monotonic() + delay >= deadline:
                return ReadFailed("iam:GetCredentialReport",
                                  TimeoutError(f"the credential report was not ready within {timeout:g} s"))
            if reader.deadline.remaining() < delay:
                return ReadFailed("iam:GetCredentialReport", reader.deadline.passed() or DeadlinePassed(
                    f"the credential report was not ready before the scan's deadline of {reader.deadline.seconds:g} s"))
            time.sleep(delay)
            delay = min(max(delay * 2, 0.25), 5)
            state = reader.call("iam", reader.home, "GenerateCredentialReport").get("State")
        content = reader.call("iam", reader.home, "GetCredentialReport")["Content"]
    except ReadFailed as failure:
        return failure
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(text)))


def _when(value: str | None) -> datetime | None:
    if value is None or value in NO_VALUE:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _users_from_report(scan: Any, users: dict[str, dict[str, Any]], report: list | ReadFailed) -> None:
    if isinstance(report, ReadFailed):
        scan.cannot_read(["aws_iam_access_key"], report)
        for values in users.values():
            values["password_enabled"] = values["mfa_active"] = Unknown(str(report))
        return
    for values in users.values():  # a user newer than the report: not known, never "no password"
        values["password_enabled"] = values["mfa_active"] = Unknown(
            f"user {values['name']} is not in the credential report yet (AWS regenerates it at most every 4 hours)")
    for row in report:
        if row["user"] == ROOT_ROW:
            continue
        values = users.get(row["user"])
        if values is not None:  # None: a user created after the authorization details were read
            values["password_enabled"] = row["password_enabled"] == "true"
            values["mfa_active"] = row["mfa_active"] == "true"
            values["password_last_used"] = _when(row.get("password_last_used"))
        for slot in (1, 2):
            rotated = row.get(f"access_key_{slot}_last_rotated")
            if rotated is None or rotated in NO_VALUE:
                continue  # no key in this slot
            scan.add("aws_iam_access_key", f"{row['arn']}#access-key-{slot}",
                     {"user": row["user"], "status": "Active" if row[f"access_key_{slot}_active"] == "true"
                      else "Inactive", "create_date": _when(rotated),
                      "last_used_date": _when(row.get(f"access_key_{slot}_last_used_date"))})


def _root(scan: Any, report: list | ReadFailed) -> dict[str, Any]:
    """What the root user has: keys, MFA (virtual or not), last use."""
    reader = scan.reader
    root: dict[str, Any] = {}
    root_arn = f"arn:aws:iam::{scan.account_id}:root"
    try:
        summary = reader.call("iam", reader.home, "GetAccountSummary")["SummaryMap"]
        root["access_keys_present"] = summary.get("AccountAccessKeysPresent") == 1
        root["mfa_enabled"] = summary.get("AccountMFAEnabled") == 1
    except ReadFailed as failure:
        root["access_keys_present"] = root["mfa_enabled"] = Unknown(str(failure))
    try:
        devices = reader.pages("iam", reader.home, "ListVirtualMFADevices", "VirtualMFADevices",
                               AssignmentStatus="Assigned", PaginationConfig={"PageSize": 1000})
        # a device's User says whose it is; its name only when no user is given (an
        # IAM user may name a device root-account-mfa-device too)
        root["virtual_mfa"] = any((d.get("User") or {}).get("Arn") == root_arn
                                  or not (d.get("User") or {}).get("Arn")
                                  and d.get("SerialNumber", "").endswith(":mfa/root-account-mfa-device")
                                  for d in devices)
    except ReadFailed as failure:
        root["virtual_mfa"] = Unknown(str(failure))
    row = None if isinstance(report, ReadFailed) else next((r for r in report if r["user"] == ROOT_ROW), None)
    if row is None:
        why = str(report) if isinstance(report, ReadFailed) else "the credential report has no <root_account> row"
        root["last_used"] = root["password_enabled"] = Unknown(why)
    else:
        used = [_when(row.get(c)) for c in ("password_last_used", "access_key_1_last_used_date",
                                             "access_key_2_last_used_date")]
        root["last_used"] = max((u for u in used if u), default=None)
        root["password_enabled"] = row.get("password_enabled") != "false"  # "not_supported" for a root password
        if any(row.get(f"access_key_{slot}_active") == "true" for slot in (1, 2)):
            root["access_keys_present"] = True
    try:
        features = reader.call("iam", reader.home, "ListOrganizationsFeatures").get("EnabledFeatures") or []
        root["centrally_managed"] = "RootCredentialsManagement" in features
    except ReadFailed:
        root["centrally_managed"] = False  # only a member of such an organization can pass that way
    return root
