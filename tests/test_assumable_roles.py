"""Which roles a user's key can act through (AG_KEY_1, issue 10): sts:AssumeRole judged
by IAM's evaluation of the trust policy and the caller's own policies, in the request
contexts a key reaches. Every expectation is from AWS's documentation:
- same account, a trust policy naming the user's ARN is enough; naming the account (root or
  ID) needs an Allow in the user's own policies
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html);
- an explicit Deny anywhere wins; a boundary caps grants to a role's ARN, not to a user's
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html);
- a long-term key's requests carry no aws:MultiFactorAuthPresent: Bool true fails, BoolIfExists
  true holds (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent)."""
import json

import pytest

from accountguard.access import assumable_roles
from accountguard.config import Config
from accountguard.controls.keys import no_writer_keys
from accountguard.iam import (KEY_WITHOUT_MFA, MAYBE, WITH_MFA, Caller, PolicySet, admits_iam_principals, assumable,
                              may_assume, parse_policy)
from accountguard.model import Inventory, Resource, Unknown

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/auditor"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"


def policy(*statements, name="policy"):
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name)


def trust(principal, **extra):
    return policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal, **extra}, name="trust")


def allow_assume(resource=ROLE):
    return policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resource})


def user(*identity, boundary=None, scps=(), account=ACCOUNT):
    arns = (USER,) if account else ("arn:*:iam::*:user/auditor",)
    return Caller(arns, account, PolicySet(tuple(identity), boundary, tuple(scps)), resource="user/auditor")


@pytest.mark.parametrize("trust_policy, caller, expected", [
    (trust({"AWS": USER}), user(), True),  # names the user: enough on its own
    (trust({"AWS": "*"}), user(), True),
    (trust("*"), user(), True),
    (trust({"AWS": f"arn:aws:iam::{ACCOUNT}:user/someone-else"}), user(), False),
    (trust({"AWS": "arn:aws:iam::444455556666:user/auditor"}), user(), False),  # another account's auditor
    (trust({"Service": "cloudtrail.amazonaws.com"}), user(), False),
    (trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), user(), False),  # the account: no Allow of its own
    (trust({"AWS": ACCOUNT}), user(), False),
    (trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), user(allow_assume()), True),
    (trust({"AWS": ACCOUNT}), user(allow_assume("arn:aws:iam::*:role/*")), True),
    (trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), user(allow_assume(f"arn:aws:iam::{ACCOUNT}:role/other")), False),
    (trust({"AWS": "arn:aws:iam::444455556666:root"}), user(allow_assume()), False),  # not this account
    # the account is not known (a plan naming several): another account's root may or may not be the user's own
    (trust({"AWS": "arn:aws:iam::444455556666:root"}), user(allow_assume(), account=None), MAYBE),
    (trust({"AWS": "arn:aws:iam::444455556666:user/auditor"}), user(account=None), MAYBE),
    (trust({"AWS": USER}), user(policy({"Effect": "Deny", "Action": "sts:*", "Resource": "*"})), False),
    (trust({"AWS": USER}), user(scps=[policy({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"})]), False),
    (policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": USER}},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}),
     user(), False),  # a Deny naming the account holds for each of its principals
    (trust({"AWS": USER}, Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), user(), True),  # may hold
    (trust({"AWS": USER}, Action="sts:AssumeRoleWithWebIdentity"), user(), False),
    (trust({"AWS": USER}, Action="sts:*"), user(), True),
    (policy({"Effect": "Allow", "NotAction": "sts:TagSession", "Principal": {"AWS": USER}}), user(), True),
    (policy({"Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": {"AWS": "arn:aws:iam::1:user/x"}}),
     user(), True),
    # a user's boundary does not cap a trust policy naming the user's ARN
    (trust({"AWS": USER}), user(boundary=policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})), True),
    (trust({"AWS": USER}, Principal={"AWS": Unknown("known after apply")}), user(), MAYBE),
    # the request carries the caller's aws:PrincipalArn and aws:PrincipalAccount
    (trust("*", Condition={"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/other"}}), user(), False),
    (trust("*", Condition={"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/other"}}),
     user(account=None), False),  # another user in whatever account
    (trust("*", Condition={"StringEquals": {"aws:PrincipalArn": USER}}), user(), True),
    (trust("*", Condition={"StringEquals": {"aws:PrincipalArn": USER}}), user(account=None), MAYBE),  # may be it
    (trust("*", Condition={"StringEquals": {"aws:PrincipalAccount": "444455556666"}}), user(), False),
    (trust("*", Condition={"StringEquals": {"aws:PrincipalType": "AssumedRole"}}), user(), False),  # a user's is User
    (trust("*", Condition={"StringEquals": {"aws:username": "auditor"}}), user(account=None), True),
])
def test_who_may_assume_a_role(trust_policy, caller, expected):
    assert assumable(trust_policy, caller, ROLE)[0] is expected


def test_a_role_boundary_caps_a_trust_policy_naming_the_role():
    jump = Caller((f"arn:aws:iam::{ACCOUNT}:role/jump",), ACCOUNT,
                  PolicySet((), policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})), role=True)
    assert assumable(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/jump"}), jump, ROLE)[0] is False


@pytest.mark.parametrize("condition, key_alone", [
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),  # absent with a long-term key
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, True),  # absent: IfExists holds
    ({"Null": {"aws:MultiFactorAuthPresent": "false"}}, False),
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, False),
])
def test_mfa_conditions_are_evaluated_for_a_long_term_key(condition, key_alone):
    role_trust = trust({"AWS": USER}, Condition=condition)
    assert may_assume(role_trust, user(), ROLE, KEY_WITHOUT_MFA)[0] is key_alone
    assert may_assume(role_trust, user(), ROLE, WITH_MFA)[0] is not False  # the key reaches MFA (README)


def role(name, trusted, *policy_arns):
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": trusted}}]})
    return [Resource(arn, "aws_iam_role", {"name": name, "arn": arn, "path": "/", "assume_role_policy": document})] + [
        Resource(f"{arn}#attached/{p}", "aws_iam_role_policy_attachment",
                 {"role": name, "policy_arn": f"arn:aws:iam::aws:policy/{p}"}) for p in policy_arns]


def account(*roles):
    """Resources as the live reader makes them (sources/live/iam.py)."""
    return Inventory("live", "live", [
        Resource(USER, "aws_iam_user", {"name": "auditor", "arn": USER, "path": "/"}),
        Resource(f"{USER}#access-key-1", "aws_iam_access_key", {"user": "auditor", "status": "Active"}),
        *[r for resources in roles for r in resources]])


def verdict(inventory):
    (result,) = no_writer_keys(inventory, Config())
    return result.status.value, result.message


def test_role_chaining_is_followed_and_cycles_end():
    jump, admin = f"arn:aws:iam::{ACCOUNT}:role/jump", f"arn:aws:iam::{ACCOUNT}:role/admin"
    inventory = account(role("jump", [USER, admin], "ReadOnlyAccess"), role("admin", jump, "AdministratorAccess"))
    assert [a.role.values["name"] for a in assumable_roles(inventory, inventory.of_type("aws_iam_user")[0])] == \
        ["jump", "admin"]
    status, message = verdict(inventory)
    assert status == "fail" and "role arn:aws:iam::111122223333:role/admin (through" in message


def test_read_only_roles_that_trust_each_other_pass():
    a, b = f"arn:aws:iam::{ACCOUNT}:role/a", f"arn:aws:iam::{ACCOUNT}:role/b"
    assert verdict(account(role("a", [USER, b], "ReadOnlyAccess"), role("b", a, "ReadOnlyAccess")))[0] == "pass"


def test_an_unreadable_trust_policy_of_a_writer_role_is_an_error():
    resources = role("admin", USER, "AdministratorAccess")
    resources[0].values["assume_role_policy"] = "{not json"
    assert verdict(account(resources))[0] == "error"


def test_a_role_whose_permissions_cannot_be_seen_is_an_error():
    resources = role("admin", USER)
    resources.append(Resource("x", "aws_iam_role_policy_attachment",
                              {"role": "admin", "policy_arn": f"arn:aws:iam::{ACCOUNT}:policy/made-elsewhere"}))
    assert verdict(account(resources))[0] == "error"


GRANTED_TO_A_ROLE_OF_UNKNOWN_POWER = """
variable "extra_action" { type = string }
resource "aws_iam_user" "auditor" { name = "auditor" }
resource "aws_iam_access_key" "auditor" { user = aws_iam_user.auditor.name }
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_user.auditor.arn]
    }
  }
}
resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
resource "aws_iam_role_policy" "extra" {
  name   = "extra"
  role   = aws_iam_role.reader.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{
    Effect = "Allow", Action = var.extra_action, Resource = "*" }] })
}
resource "aws_s3_bucket_policy" "uploads" {
  bucket = "uploads"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:PutObject",
    Principal = { AWS = "arn:aws:iam::111122223333:role/reader" }, Resource = "arn:aws:s3:::uploads/*" }] })
}
"""


def test_a_resource_policy_grant_to_an_assumable_role_wins_over_its_unknown_permissions(tmp_path):
    """The role's own policy is known only after apply (an error alone), but the bucket policy
    surely lets the role write: the key surely can, through the role."""
    from accountguard.sources.hcl import load_directory
    (tmp_path / "main.tf").write_text(GRANTED_TO_A_ROLE_OF_UNKNOWN_POWER)
    status, message = verdict(load_directory(tmp_path, tree=tmp_path))
    assert status == "fail" and "aws_s3_bucket_policy.uploads" in message, message


def _trust_with_not_principal_deny(excepted):
    resources = role("admin", USER, "AdministratorAccess")
    resources[0].values["assume_role_policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": USER}},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": {"AWS": [excepted, f"arn:aws:iam::{ACCOUNT}:root"]}}]})
    return resources


READ_ONLY_BOUNDARY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.mark.parametrize("excepted, boundary", [
    (USER, READ_ONLY_BOUNDARY),  # evaluated, the Deny would hold whatever NotPrincipal names: no assumption
    (USER, None),  # evaluated, the Deny would not hold for the user it excepts: the user is admin
    (f"arn:aws:iam::{ACCOUNT}:user/someone-else", None),  # evaluated, the Deny would hold: no assumption
], ids=["excepted-bounded", "excepted", "not-excepted"])
def test_a_trust_policy_with_not_principal_is_an_error(excepted, boundary):
    """AWS: "You cannot use the NotPrincipal element in ... an IAM role trust policy", and where
    NotPrincipal is used with Deny, it "will always deny any IAM principal that has a permissions
    boundary policy attached, regardless of the values specified in the NotPrincipal element"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    The role cannot be as written, so whether the key reaches AdministratorAccess through it
    cannot be told: AG_KEY_1 is an error in every case, never the pass the Deny would give (the
    last case, and the first, since the boundary caps the user's own policies but not a trust
    policy naming it) nor the fail of taking NotPrincipal at its word (the second)."""
    inventory = account(_trust_with_not_principal_deny(excepted))
    if boundary:
        inventory.of_type("aws_iam_user")[0].values["permissions_boundary"] = boundary
    status, message = verdict(inventory)
    assert status == "error"
    assert "NotPrincipal" in message


TRUSTED_BY_REFERENCE = '''
resource "aws_iam_user" "auditor" { name = "auditor" }
resource "aws_iam_user" "ops" { name = "ops" }
resource "aws_iam_access_key" "auditor" { user = aws_iam_user.auditor.name }
resource "aws_iam_user_policy_attachment" "auditor" {
  user       = aws_iam_user.auditor.name
  policy_arn = "arn:aws:iam::aws:policy/SecurityAudit"
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = IDENTIFIERS
    }
  }
}
resource "aws_iam_role" "admin" {
  name               = "admin"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.admin.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
'''


@pytest.mark.parametrize("identifiers, expected", [
    # names the auditor, whose key then reaches AdministratorAccess: AWS fails it, and so must we
    ("[aws_iam_user.auditor.arn]", "fail"),
    # AWS: pass (ops has no key; the auditor is neither named nor its account). Never a pass here:
    # the reader sees the reference, not whether a function rewrote the ARN (next cases): error
    ("[aws_iam_user.ops.arn]", "error"),
    # AWS: fail, the auditor is named; which unknown is whose cannot be told from the references
    ("[aws_iam_user.ops.arn, aws_iam_user.auditor.arn]", "error"),
    # AWS: fail, the rewritten ARN is the auditor's; the reference is to ops: never a pass
    ('[replace(aws_iam_user.ops.arn, "ops", "auditor")]', "error"),
], ids=["auditor", "ops", "both", "rewritten"])
def test_a_principal_named_by_reference_in_a_tf_directory(tmp_path, identifiers, expected):
    """The ARN of a user created in the same configuration is known only after apply; the
    reference says which user it is (README: Principals named by reference). Same-account
    trust: naming the user's ARN is enough
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html)."""
    from accountguard.sources.hcl import load_directory
    (tmp_path / "main.tf").write_text(TRUSTED_BY_REFERENCE.replace("IDENTIFIERS", identifiers))
    assert verdict(load_directory(tmp_path, tree=tmp_path))[0] == expected


ADMIN = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
TRUSTED = [{"Service": "cloudtrail.amazonaws.com"}, {"Federated": "cognito-identity.amazonaws.com"},
           {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}, {"AWS": USER}, {"AWS": ACCOUNT}, "*",
           {"AWS": "*"}, {"AWS": Unknown()}, {"Service": "s3.amazonaws.com", "AWS": ROLE}]


@pytest.mark.parametrize("principal", TRUSTED, ids=repr)
def test_a_trust_policy_said_to_admit_no_iam_principal_admits_none(principal):
    """The shortcut that spares judging such a role for every caller (iam.admits_iam_principals)
    agrees with the full evaluation: for a user and a role with every permission, any account."""
    document = trust(principal)
    callers = [user(ADMIN), user(ADMIN, account=None),
               Caller((ROLE, "arn:*:sts::*:assumed-role/admin/*"), ACCOUNT, PolicySet((ADMIN,)), True, "role/admin")]
    if not admits_iam_principals(document):
        assert all(assumable(document, caller, ROLE)[0] is False for caller in callers)
    else:
        assert any(assumable(document, caller, ROLE)[0] is not False for caller in callers)
