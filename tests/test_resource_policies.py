"""Resource-based policies and grants (accountguard/resource_policies.py, iam.resource_write_power):
within one account a resource policy naming a user's ARN, or every principal, grants on its own and
a permissions boundary does not cap it; naming the account root delegates to IAM and grants nothing
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)."""
import json

import pytest

from accountguard.access import render_policy_document
from accountguard.config import Config
from accountguard.controls.keys import no_writer_keys
from accountguard.iam import Caller, NamedPrincipal, PolicySet, parse_policy, resource_write_power
from accountguard.model import Inventory, Resource, Unknown
from accountguard.resource_policies import PolicyIndex, ResourcePolicy, resource_policies

ACCOUNT = "111122223333"
USER = f"arn:aws:iam::{ACCOUNT}:user/auditor"
READ_ONLY = parse_policy({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}, "reads")
BOUNDARY = parse_policy({"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}, "boundary")
DENY_PUT = parse_policy({"Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}, "deny")


def bucket_policy(principal, action, **extra):
    return parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "arn:aws:s3:::b/*", **extra}]},
        "aws_s3_bucket_policy.b")


def user(*identity, boundary=None, account=ACCOUNT):
    arns = (USER,) if account else ("arn:*:iam::*:user/auditor",)
    return Caller(arns, account, PolicySet(tuple(identity), boundary), resource="user/auditor")


@pytest.mark.parametrize("principal, action, extra, caller, expected", [
    ({"AWS": USER}, "s3:PutObject", {}, user(), "write"),  # grants on its own, no identity policy needed
    ({"AWS": USER}, "s3:*", {}, user(READ_ONLY, boundary=BOUNDARY), "write"),  # a boundary does not cap it
    # with the account not known, another account's auditor may or may not be this one
    ({"AWS": "arn:aws:iam::111122223333:user/auditor"}, "s3:PutObject", {}, user(account=None), "unknown"),
    ("*", "s3:PutObject", {}, user(), "write"),
    ({"AWS": "*"}, "s3:DeleteObject", {}, user(), "write"),
    ({"AWS": USER}, ["s3:GetObject", "s3:ListBucket"], {}, user(), None),  # reads only
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "s3:*", {}, user(), None),  # the account root delegates to IAM
    ({"AWS": ACCOUNT}, "s3:*", {}, user(), None),
    ({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", {}, user(), None),
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:user/other"}, "s3:PutObject", {}, user(), None),
    # a user's own request carries no aws:SourceArn: only a service calling on a resource's behalf does
    ("*", "s3:PutObject", {"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}}, user(), None),
    ("*", "s3:PutObject", {"Condition": {"ArnLike": {"aws:SourceArn": Unknown()}}}, user(), None),
    ("*", "s3:PutObject", {"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}, user(), "write"),
    ({"AWS": USER}, "s3:PutObject", {}, user(DENY_PUT), None),  # an identity Deny still wins
    ({"AWS": Unknown()}, "s3:PutObject", {}, user(), "unknown"),  # may be the user
    ({"AWS": USER}, Unknown(), {}, user(), "unknown"),
])
def test_what_a_resource_policy_grants_the_user(principal, action, extra, caller, expected):
    power = resource_write_power(bucket_policy(principal, action, **extra), caller)
    found = "unknown" if isinstance(power, Unknown) else "write" if power else None
    assert found == expected, power


ROLE = f"arn:aws:iam::{ACCOUNT}:role/reader"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/uploads"


def role(*identity, boundary=None):
    return Caller((ROLE, "arn:*:sts::*:assumed-role/reader/*"), ACCOUNT, PolicySet(tuple(identity), boundary), True,
                  "role/reader")


@pytest.mark.parametrize("principal, extra, caller, expected", [
    ({"AWS": ROLE}, {}, role(READ_ONLY), "write"),
    ({"AWS": ROLE}, {}, role(READ_ONLY, boundary=BOUNDARY), None),  # the role's boundary caps its ARN's grant
    # granted to the session, or to everyone by aws:PrincipalArn: past the boundary (policy-eval-basics)
    ({"AWS": SESSION}, {}, role(READ_ONLY, boundary=BOUNDARY), "write"),
    ("*", {"Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE}}}, role(READ_ONLY, boundary=BOUNDARY), "write"),
])
def test_what_a_resource_policy_grants_a_role(principal, extra, caller, expected):
    power = resource_write_power(bucket_policy(principal, "s3:PutObject", **extra), caller)
    assert ("write" if power else None) == expected, power


@pytest.mark.parametrize("excluded, caller, expected", [
    # a NotPrincipal naming the role, not its session, does not leave the session out: the Deny holds
    ([ROLE, f"arn:aws:iam::{ACCOUNT}:root"], role(READ_ONLY), None),
    ([SESSION, ROLE, f"arn:aws:iam::{ACCOUNT}:root"], role(READ_ONLY), "write"),
    ([USER], user(), "write"),
    ([USER], user(READ_ONLY, boundary=BOUNDARY), None),  # a principal with a boundary is always denied
])
def test_a_deny_with_not_principal(excluded, caller, expected):
    policy = parse_policy({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": excluded}, "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]},
        "aws_s3_bucket_policy.b")
    power = resource_write_power(policy, caller)
    assert ("write" if power else None) == expected, power


def test_a_deny_of_the_resource_policy_on_the_same_resources_wins():
    policy = parse_policy({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Principal": "*", "NotAction": ["s3:Get*", "s3:List*"], "Resource": "arn:aws:s3:::b/*"}]},
        "aws_s3_bucket_policy.b")
    assert resource_write_power(policy, user()) is None


def test_the_message_names_the_statement_and_the_action():
    power = resource_write_power(bucket_policy({"AWS": USER}, "s3:PutObject", Sid="Upload"), user())
    assert "aws_s3_bucket_policy.b statement 'Upload' allows 's3:PutObject'" in power and "Write" in power


def account(*resources):
    return Inventory("live", "live", facts={"account_id": ACCOUNT}, resources=[
        Resource(USER, "aws_iam_user", {"name": "auditor", "arn": USER, "path": "/"}),
        Resource(f"{USER}#access-key-1", "aws_iam_access_key", {"user": "auditor", "status": "Active"}),
        *resources])


def verdict(inventory):
    (result,) = no_writer_keys(inventory, Config())
    return result.status.value, result.message


@pytest.mark.parametrize("resource, expected", [
    (Resource("aws_lambda_permission.p", "aws_lambda_permission",
              {"principal": USER, "action": "lambda:InvokeFunction", "function_name": "f"}), "fail"),
    (Resource("aws_lambda_permission.p", "aws_lambda_permission",
              {"principal": "sns.amazonaws.com", "action": "lambda:InvokeFunction", "function_name": "f",
               "source_arn": "arn:aws:sns:eu-west-1:111122223333:t"}), "pass"),
    (Resource("aws_lambda_permission.p", "aws_lambda_permission",
              {"principal": "*", "action": "lambda:InvokeFunction", "function_name": "f",
               "source_arn": "arn:aws:s3:::b"}), "pass"),
    (Resource("aws_kms_grant.g", "aws_kms_grant", {"grantee_principal": USER, "operations": ["Encrypt"],
                                                   "key_id": "k"}), "fail"),
    (Resource("aws_kms_grant.g", "aws_kms_grant", {"grantee_principal": USER, "operations": ["DescribeKey"],
                                                   "key_id": "k"}), "pass"),
    (Resource("aws_cloudwatch_event_permission.e", "aws_cloudwatch_event_permission",
              {"principal": "*", "statement_id": "s"}), "fail"),  # events:PutEvents to everyone
    (Resource("aws_cloudwatch_event_permission.e", "aws_cloudwatch_event_permission",
              {"principal": "444455556666", "statement_id": "s"}), "pass"),
    (Resource("aws_s3_bucket_acl.a", "aws_s3_bucket_acl", {"bucket": "b", "acl": "public-read-write"}), "fail"),
    (Resource("aws_s3_bucket_acl.a", "aws_s3_bucket_acl", {"bucket": "b", "acl": "private"}), "pass"),
    (Resource("aws_sqs_queue.q", "aws_sqs_queue", {"name": "q", "policy": json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sqs:SendMessage", "Resource": "*"}]})}), "fail"),
    (Resource("aws_sns_topic.t", "aws_sns_topic", {"name": "t", "policy": Unknown()}), "error"),
    (Resource("aws_s3control_multi_region_access_point_policy.m", "aws_s3control_multi_region_access_point_policy",
              {"details": [{"name": "m", "policy": json.dumps({"Statement": [
                  {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}]})}]}), "fail"),
])
def test_resource_policies_and_grants_decide_ag_key_1(resource, expected):
    status, message = verdict(account(resource))
    assert status == expected, message
    if expected == "fail":
        assert resource.address in message


def test_every_read_type_yields_its_policy():
    found = resource_policies(account(Resource("aws_s3_bucket_policy.b", "aws_s3_bucket_policy", {
        "bucket": "b", "policy": json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]})})))
    assert [f.address for f in found] == ["aws_s3_bucket_policy.b"]


@pytest.mark.parametrize("principals, expected", [
    ([{"type": "*", "identifiers": ["*"]}], "*"),  # the provider writes a lone `*` principal as "*"
    ([{"type": "AWS", "identifiers": ["*"]}], {"AWS": ["*"]}),
    ([{"type": "*", "identifiers": ["*"]}, {"type": "AWS", "identifiers": [USER]}], {"*": ["*"], "AWS": [USER]}),
])
def test_a_policy_document_renders_principals_as_the_provider_does(principals, expected):
    rendered = render_policy_document({"statement": [{"actions": ["s3:PutObject"], "resources": ["*"],
                                                      "principals": principals}]})
    assert rendered["Statement"][0]["Principal"] == expected


@pytest.mark.parametrize("values, expected", [
    ({"bucket": "b", "acl": "public-read-write"}, "fail"),
    ({"bucket": "b", "grant": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                                "permissions": ["READ", "WRITE"]}]}, "fail"),
    ({"bucket": "b", "acl": "private"}, "pass"),
    ({"bucket": "b"}, "pass"),
])
def test_an_inline_bucket_acl_open_to_every_aws_user_fails(values, expected):
    assert verdict(account(Resource("aws_s3_bucket.b", "aws_s3_bucket", values)))[0] == expected


_PUBLIC_ACL = Resource("aws_s3_bucket_acl.a", "aws_s3_bucket_acl", {"bucket": "b", "acl": "public-read-write"})


@pytest.mark.parametrize("setting, expected", [
    (Resource("aws_s3_bucket_public_access_block.p", "aws_s3_bucket_public_access_block",
              {"bucket": "b", "ignore_public_acls": True}), "pass"),
    (Resource("aws_s3_bucket_public_access_block.p", "aws_s3_bucket_public_access_block",
              {"bucket": "b", "ignore_public_acls": False, "block_public_acls": True}), "fail"),
    (Resource("aws_s3_bucket_public_access_block.p", "aws_s3_bucket_public_access_block",
              {"bucket": "other", "ignore_public_acls": True}), "fail"),
    (Resource("aws_s3_bucket_public_access_block.p", "aws_s3_bucket_public_access_block",
              {"bucket": "b", "ignore_public_acls": Unknown()}), "error"),
    (Resource("aws_s3_account_public_access_block.p", "aws_s3_account_public_access_block",
              {"ignore_public_acls": True}), "pass"),
    (Resource("aws_s3_bucket_ownership_controls.o", "aws_s3_bucket_ownership_controls",
              {"bucket": "b", "rule": [{"object_ownership": "BucketOwnerEnforced"}]}), "pass"),
    (Resource("aws_s3_bucket_ownership_controls.o", "aws_s3_bucket_ownership_controls",
              {"bucket": "b", "rule": [{"object_ownership": "ObjectWriter"}]}), "fail"),
])
def test_a_public_acl_s3_ignores_grants_nothing(setting, expected):
    """IgnorePublicAcls (of the bucket or the account) makes S3 ignore public ACLs; BucketOwnerEnforced
    disables ACLs (README: resource-based policies). BlockPublicAcls only refuses new ones."""
    status, message = verdict(account(_PUBLIC_ACL, setting))
    assert status == expected, message


def _buckets():
    return [Resource(f'aws_s3_bucket.b["{k}"]', "aws_s3_bucket", {"bucket": f"drop-{k}", "id": Unknown()})
            for k in ("pub", "priv")]


@pytest.mark.parametrize("setting, facts, expected", [
    # on the `priv` instance of a for_each, which the plan cannot tell from `pub`: maybe on this bucket
    (Resource('aws_s3_bucket_public_access_block.b["priv"]', "aws_s3_bucket_public_access_block",
              {"bucket": Unknown(), "ignore_public_acls": True}, references={"bucket": ("aws_s3_bucket.b",)}),
     {}, "error"),
    # another account's block, or one under a provider configuration that may be in another account
    (Resource("aws_s3_account_public_access_block.a", "aws_s3_account_public_access_block",
              {"account_id": "999999999999", "ignore_public_acls": True}), {"account_id": ACCOUNT}, "fail"),
    (Resource("aws_s3_account_public_access_block.a", "aws_s3_account_public_access_block",
              {"ignore_public_acls": True}), {"providers_may_differ": True}, "error"),
    (Resource("aws_s3_account_public_access_block.a", "aws_s3_account_public_access_block",
              {"ignore_public_acls": True}), {}, "pass"),
])
def test_a_setting_not_surely_on_the_bucket_or_account_leaves_a_public_acl_unknown(setting, facts, expected):
    acl = Resource("aws_s3_bucket_acl.pub", "aws_s3_bucket_acl", {"bucket": Unknown(), "acl": "public-read-write"},
                   references={"bucket": ('aws_s3_bucket.b["pub"]',)})
    inventory = Inventory("plan", "plan", [
        Resource("aws_iam_user.auditor", "aws_iam_user", {"name": "auditor", "arn": USER, "path": "/"}),
        Resource("aws_iam_access_key.auditor", "aws_iam_access_key", {"user": "auditor", "status": "Active"}),
        *_buckets(), acl, setting], facts=facts)
    status, message = verdict(inventory)
    assert status == expected, message


def test_a_bucket_setting_may_be_on_an_acls_bucket_that_cannot_be_placed():
    acl = Resource("aws_s3_bucket_acl.a", "aws_s3_bucket_acl", {"bucket": Unknown(), "acl": "public-read-write"})
    block = Resource("aws_s3_bucket_public_access_block.p", "aws_s3_bucket_public_access_block",
                     {"bucket": "elsewhere", "ignore_public_acls": True})
    assert verdict(account(acl, block))[0] == "error"


@pytest.mark.parametrize("condition, expected", [
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, None),  # a user's own request has no aws:SourceArn
    ({"ForAnyValue:StringEquals": {"aws:SourceAccount": ACCOUNT}}, None),
    # a negated operator, ...IfExists, Null and ForAllValues hold when the key is absent (condition operators)
    ({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}, "write"),
    ({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, "write"),
    ({"StringEqualsIfExists": {"aws:SourceAccount": "999999999999"}}, "write"),
    ({"Null": {"aws:SourceArn": "true"}}, "write"),
    ({"ForAllValues:StringEquals": {"aws:SourceOrgID": "o-1"}}, "write"),
])
def test_conditions_on_keys_only_a_service_request_carries(condition, expected):
    power = resource_write_power(bucket_policy("*", "s3:PutObject", Condition=condition), user())
    assert ("write" if power else None) == expected, power


PRINCIPALS = ["*", {"AWS": "*"}, {"AWS": USER}, {"AWS": USER.upper()}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
              {"AWS": ACCOUNT}, {"AWS": "arn:aws:iam::999999999999:user/auditor"}, {"AWS": [USER, ROLE]},
              {"AWS": ROLE}, {"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/session"},
              {"AWS": "arn:aws:iam::111122223333:user/ops/auditor"}, {"Service": "s3.amazonaws.com"},
              {"AWS": Unknown()}, {"AWS": [NamedPrincipal(arn="arn:aws:iam::*:user/auditor")]}]


@pytest.mark.parametrize("caller", [user(), user(account=None), role()], ids=["user", "user, account unknown", "role"])
def test_the_policy_index_leaves_out_only_policies_that_grant_the_caller_nothing(caller):
    """Each principal as Principal and as NotPrincipal, with and without a condition only a
    service's request meets: a policy the index does not offer the caller grants it nothing."""
    policies = []
    for principal in PRINCIPALS:
        for element in ("Principal", "NotPrincipal"):
            for extra in ({}, {"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}}):
                policies.append(parse_policy({"Statement": [{"Effect": "Allow", element: principal,
                                                             "Action": "s3:PutObject", "Resource": "*", **extra}]},
                                             f"{element} {principal!r} {extra}"))
    offered = {id(p.policy) for p in PolicyIndex([ResourcePolicy(p.name, p) for p in policies]).naming(caller.arns)}
    granting = [p for p in policies if resource_write_power(p, caller) is not None]
    assert granting and all(id(p) in offered for p in granting)
    assert len(offered) < len(policies)  # it does leave some out


def test_each_caller_is_told_its_own_grant():
    """One policy granting two users different actions: each reason names the caller's own."""
    policy = parse_policy({"Statement": [
        {"Sid": "alice", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
         "Action": "s3:PutObject", "Resource": "*"},
        {"Sid": "bob", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"},
         "Action": "sns:Publish", "Resource": "*"}]}, "aws_sns_topic_policy.t")

    def caller(name):
        return Caller((f"arn:aws:iam::{ACCOUNT}:user/{name}",), ACCOUNT, PolicySet(), resource=f"user/{name}")
    assert "s3:PutObject" in resource_write_power(policy, caller("alice"))
    assert "sns:Publish" in resource_write_power(policy, caller("bob"))
