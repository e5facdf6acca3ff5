"""The live mode gets the IAM semantics from the same code (issue 10, method item 4):
roles (trust policies and permissions) read from GetAccountAuthorizationDetails on a
moto server, judged as a plan's would be. (moto neither sets nor returns users' permissions boundaries,
so boundaries are tested on plans and on the translation below.)"""
import json

import pytest
from moto_account import ACCOUNT_ID, Account
from test_live import scan, statuses

from accountguard.access import access_graph
from accountguard.iam import write_power
from accountguard.model import Inventory, Resource


@pytest.mark.parametrize("principal, policy, expected", [
    # names the user: it assumes the role with no policy of its own, and the role administers
    (f"arn:aws:iam::{ACCOUNT_ID}:user/auditor", "AdministratorAccess", "fail"),
    (f"arn:aws:iam::{ACCOUNT_ID}:user/auditor", "ReadOnlyAccess", "pass"),  # the role only reads
    (f"arn:aws:iam::{ACCOUNT_ID}:root", "AdministratorAccess", "pass"),  # the account: the user's own policies decide
])
def test_roles_the_user_can_assume_are_judged_by_their_permissions(moto, principal, policy, expected):
    """A same-account trust policy naming the user lets it assume the role without any
    identity policy (reference_policies_evaluation-logic_policy-eval-basics.html); one
    naming the account needs an Allow of the user's own (id_roles_use_permissions-to-switch.html).
    The role's policies are read live (RoleDetailList) and decide what the key can do."""
    def role(boto):
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal}}]}
        iam = boto.client("iam")
        iam.create_role(RoleName="breakglass", AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName="breakglass", PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    assert statuses(scan(moto, Account(extra=[role])))["AG_KEY_1"] == expected


def test_a_boundary_read_live_caps_like_one_in_a_plan():
    """live/iam.py gives a user its PermissionsBoundaryArn as `permissions_boundary`;
    the same access graph then caps an administrator to what the boundary allows."""
    user = {"name": "alice", "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/alice",
            "permissions_boundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    attached = {"user": "alice", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    inventory = Inventory("live", "live", [Resource(user["arn"], "aws_iam_user", user),
                                           Resource(f"{user['arn']}#attached", "aws_iam_user_policy_attachment",
                                                    attached)])
    assert write_power(access_graph(inventory).policy_set("alice")) is None
