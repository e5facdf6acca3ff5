"""IAM statement semantics (accountguard/iam.py)."""
import json

import pytest

from accountguard.iam import (PolicyError, expand, managed_write_grant, matches, mfa_enforcement,
                              parse_policy, write_grant)


def policy(*statements):
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), "test-policy")


def deny_without_mfa(**overrides):
    statement = {"Effect": "Deny", "NotAction": ["iam:EnableMFADevice", "iam:ListMFADevices", "sts:GetSessionToken"],
                 "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    statement.update(overrides)
    return policy({k: v for k, v in statement.items() if v is not None})


def test_action_matching_is_case_insensitive_with_wildcards():
    assert matches("s3:Get*", "s3:getobject")
    assert matches("iam:*", "IAM:CreateUser")
    assert matches("ec2:Describe?pcs", "ec2:DescribeVpcs")
    assert not matches("s3:Get*", "s3:PutObject")


def test_expansion_uses_aws_access_levels():
    gets = expand("s3:Get*")
    assert gets["s3:GetObject"] == "Read"
    assert all(a.lower().startswith("s3:get") for a in gets)
    assert expand("iam:CreateUser") == {"iam:CreateUser": "Write"}
    assert expand("*") is None
    assert expand("nosuchservice:Get*") == {}


@pytest.mark.parametrize("condition", [
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": False}},
    {"BoolIfExists": {"aws:multifactorauthpresent": ["false"]}},
])
def test_mfa_deny_accepts_string_bool_list_and_any_key_case(condition):
    assert mfa_enforcement(deny_without_mfa(Condition=condition)) is None


def test_mfa_deny_with_action_star_is_enforcing():
    assert mfa_enforcement(deny_without_mfa(NotAction=None, Action="*")) is None


@pytest.mark.parametrize("overrides, reason", [
    ({"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, "uses Bool"),
    ({"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}}, "does not deny when"),
    ({"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false", "aws:SourceIp": "1.2.3.4"}}},
     "narrow the Deny"),
    ({"Condition": None}, "no condition"),
    ({"NotAction": ["iam:*", "sts:GetSessionToken"]}, "more than MFA self-service"),
    ({"NotAction": ["iam:List*"]}, "more than MFA self-service"),
    ({"NotAction": None, "Action": ["s3:*"]}, "does not deny every action"),
    ({"Resource": "arn:aws:s3:::bucket/*"}, "every resource"),
    ({"Resource": None, "NotResource": "arn:aws:iam::*:user/x"}, "NotResource"),
    ({"Effect": "Allow"}, "no Deny"),
])
def test_mfa_deny_that_falls_short(overrides, reason):
    assert reason in mfa_enforcement(deny_without_mfa(**overrides))


def test_write_grant_judges_every_allowed_action():
    assert write_grant(policy({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"})) is None
    assert write_grant(policy({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})) is None
    assert "s3:PutObject" in write_grant(policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                                  "Resource": "*"}))
    assert "'*'" in write_grant(policy({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    assert "NotAction" in write_grant(policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert "not document" in write_grant(policy({"Effect": "Allow", "Action": "s3:Fetch*", "Resource": "*"}))
    assert write_grant(policy({"Effect": "Deny", "Action": "*", "Resource": "*"})) is None


def test_mfa_self_service_on_own_user_is_not_write_power():
    own = {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ResyncMFADevice"],
           "Resource": ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/*"]}
    assert write_grant(policy(own)) is None
    assert "EnableMFADevice" in write_grant(policy(own | {"Resource": "*"}))


def test_managed_policies_known_by_name():
    assert managed_write_grant("arn:aws:iam::aws:policy/ReadOnlyAccess") is None
    assert managed_write_grant("arn:aws:iam::aws:policy/SecurityAudit") is None
    assert managed_write_grant("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess") is None
    assert "AdministratorAccess" in managed_write_grant("arn:aws:iam::aws:policy/AdministratorAccess")
    assert managed_write_grant("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")  # in doubt: not read-only


@pytest.mark.parametrize("document", ["{not json", "[]", '{"Statement": 5}',
                                      '{"Statement": [{"Effect": "Maybe", "Action": "*"}]}'])
def test_invalid_documents_are_errors(document):
    with pytest.raises(PolicyError):
        parse_policy(document, "p")


def test_single_statement_object_and_string_action():
    parsed = parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}, "p")
    assert parsed.statements[0].actions == ("s3:GetObject",)
