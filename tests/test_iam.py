"""IAM's evaluation logic (accountguard/iam.py) over AWS's action catalogue: every way
of writing the same policy gets the same verdict. Expected verdicts come from AWS's
policy evaluation logic and condition operator pages:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"""
import json
from datetime import datetime, timezone

import pytest

from accountguard.iam import (ABSENT, ANY, PolicyError, PolicySet, action_set, expand, key_holds, matches,
                              mfa_gap, parse_policy, requests_from, write_power)
from accountguard.managed_policies import managed_policy
from accountguard.model import Unknown

SELF_SERVICE = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "sts:GetSessionToken"]
NO_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}


def policy(*statements, name="test-policy"):
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), name)


def deny(**overrides):
    statement = {"Effect": "Deny", "NotAction": SELF_SERVICE, "Resource": "*", "Condition": NO_MFA}
    statement.update(overrides)
    return {k: v for k, v in statement.items() if v is not None}


def allow(action, resource="*", **more):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def enforces(*policies, scps=(), boundary=None):
    return mfa_gap(PolicySet(tuple(policies), boundary, tuple(scps)))


def writes(*policies, scps=(), boundary=None):
    return write_power(PolicySet(tuple(policies), boundary, tuple(scps)))


ADMIN = policy(allow("*"), name="admin")


def test_action_matching_is_case_insensitive_with_wildcards():
    assert matches("s3:Get*", "s3:getobject")
    assert "IAM:CreateUser" in action_set("iam:*")
    assert "ec2:DescribeVpcs" in action_set("ec2:Describe?pcs")
    assert "s3:PutObject" not in action_set("s3:Get*")
    # IAM's only wildcards are * and ? (reference_policies_elements_action.html): [ stands for itself
    assert not matches("s[3]:GetObject", "s3:GetObject") and "s3:GetObject" not in action_set("s[0-9]:Get*")


def test_expansion_uses_aws_access_levels():
    gets = expand("s3:Get*")
    assert gets["s3:GetObject"] == "Read"
    assert all(a.lower().startswith("s3:get") for a in gets)
    assert expand("iam:CreateUser") == {"iam:CreateUser": "Write"}
    assert expand("*") is None
    assert expand("nosuchservice:Get*") == {}


# --- MFA: does an explicit Deny refuse everything but self-service without MFA? ------

@pytest.mark.parametrize("statements", [
    [deny()],
    [deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": False}})],
    [deny(Condition={"BoolIfExists": {"AWS:multifactorauthPRESENT": ["false"]}})],  # keys are case-insensitive
    [deny(NotAction=None, Action="*")],  # denying self-service too still enforces
    # absent key: a negated operator holds (condition operators page, "Important")
    [deny(Condition={"StringNotEquals": {"aws:MultiFactorAuthPresent": "true"}})],
    # an extra ...IfExists condition that holds whenever MFA is absent does not narrow it
    [deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                     "NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}})],
    # Null for long-term keys, Bool for console sessions: together they cover both
    [deny(Condition={"Null": {"aws:MultiFactorAuthPresent": "true"}}),
     deny(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
    # the Deny split over two statements
    [deny(NotAction=SELF_SERVICE + ["s3:*"]), deny(NotAction=None, Action="s3:*")],
])
def test_every_way_of_writing_the_mfa_deny_enforces(statements):
    assert enforces(policy(*statements)) is None


@pytest.mark.parametrize("statements, reason", [
    ([deny(Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})], "uses Bool"),
    ([deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})], "does not hold"),
    ([deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}, "IpAddress": {"aws:SourceIp": "1.2.3.4/32"}})],
     "narrows the Deny"),
    ([deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                      "StringNotEqualsIfExists": {"aws:PrincipalTag/team": "ops"}})], "narrows the Deny"),
    ([deny(Condition=None)], None),  # denies always: enforces (checked below)
    ([deny(NotAction=["iam:*", "sts:GetSessionToken"])], "more than MFA self-service"),
    ([deny(NotAction=["iam:*MFADevice"] + SELF_SERVICE)], "iam:DeactivateMFADevice"),
    ([deny(NotAction=None, Action=["s3:*"])], "does not deny"),
    ([deny(Resource="arn:aws:s3:::bucket/*")], "every resource"),
    ([deny(Resource="arn:aws:[a-z]*:*:*:*")], "every resource"),  # no character classes in IAM ARNs
    ([deny(Resource=None, NotResource="arn:aws:iam::*:user/x")], "NotResource"),
    ([deny(Effect="Allow")], "no Deny"),
])
def test_mfa_deny_that_falls_short(statements, reason):
    gap = enforces(policy(*statements))
    if reason is None:
        assert gap is None
    else:
        assert reason in gap


def test_mfa_deny_in_an_scp_or_a_boundary_applies():
    assert enforces(scps=[policy(deny())]) is None
    assert enforces(ADMIN, boundary=policy(allow("*"), deny())) is None


def test_unknown_policy_decides_nothing_for_mfa():
    unknown = Unknown("a policy known only after apply")
    assert enforces(unknown) == unknown
    assert enforces(unknown, policy(deny())) is None  # enforced whatever the unknown one says


def test_mfa_deny_with_an_unknown_condition_value_is_unknown():
    statement = deny()
    parsed = policy(statement)
    stmt = parsed.statements[0]
    from dataclasses import replace
    unknown = replace(parsed, statements=(replace(stmt, conditions={"BoolIfExists": {
        "aws:multifactorauthpresent": (Unknown("after apply"),)}}),), key="x")
    assert isinstance(enforces(unknown), Unknown)


# --- write power: can the holder do anything above Read/List? ------------------------

def test_read_only_policies_are_read_only():
    assert writes(policy(allow(["s3:Get*", "s3:List*"]))) is None
    assert writes(policy(allow("ec2:Describe*"))) is None
    assert writes(policy({"Effect": "Deny", "Action": "*", "Resource": "*"})) is None
    assert writes() is None


@pytest.mark.parametrize("statements, shown", [
    ([allow(["s3:GetObject", "s3:PutObject"])], "s3:PutObject"),
    ([allow("*")], "'*'"),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "NotAction"),
    ([allow("s3:Fetch*")], "does not document"),  # an action AWS does not document counts as write
    ([allow("nosuchservice:Get*")], "does not document"),
    ([allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")], "iam:CreateAccessKey"),
    ([{"Effect": "Allow", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::logs/*"}], "s3:PutObject"),
])
def test_write_power_is_found(statements, shown):
    assert shown in writes(policy(*statements))


def test_mfa_self_service_on_own_user_is_not_write_power():
    own = allow(["iam:EnableMFADevice", "iam:ResyncMFADevice"],
                ["arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:mfa/*"])
    assert writes(policy(own)) is None
    assert "EnableMFADevice" in writes(policy(own | {"Resource": "*"}))


def test_a_boundary_caps_an_admin_to_read_only():
    assert writes(ADMIN, boundary=policy(allow(["s3:Get*", "s3:List*", "ec2:Describe*"]))) is None
    assert writes(ADMIN, boundary=policy(allow("*"), {"Effect": "Deny", "NotAction": ["s3:Get*"],
                                                     "Resource": "*"})) is None
    assert "iam:" in writes(ADMIN, boundary=policy(allow("iam:*")))
    assert writes(policy(allow("s3:GetObject")), boundary=ADMIN) is None  # a boundary grants nothing


def test_scp_allows_grant_nothing_and_scp_denies_cap():
    assert writes(scps=[ADMIN]) is None
    assert writes(ADMIN, scps=[policy({"Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"],
                                       "Resource": "*"})]) is None


def test_a_deny_that_may_not_hold_does_not_take_power_away():
    conditional = {"Effect": "Deny", "Action": "*", "Resource": "*",
                   "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    assert writes(ADMIN, policy(conditional))
    narrow = {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::x"}
    assert writes(ADMIN, policy(narrow))


def test_write_power_behind_mfa_is_still_write_power():
    """A key reaches MFA too: GetSessionToken with the user's device, or one the key
    enrols itself through MFA self-service (README: How verdicts are made)."""
    assert writes(ADMIN, policy(deny()))


def test_an_allow_whose_condition_never_holds_grants_nothing():
    never = allow("*", Condition={"Null": {"aws:MultiFactorAuthPresent": "true"},
                                  "Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert writes(policy(never)) is None


def test_unknown_policies_leave_the_verdict_unknown_unless_it_is_decided_without_them():
    unknown = Unknown("policy X is not in this plan")
    assert writes(policy(allow("s3:GetObject")), unknown) == unknown
    assert writes(ADMIN, unknown) == unknown  # it may deny everything
    assert "'*'" in writes(ADMIN, scps=[policy(allow("*"))])
    assert writes(policy(allow("s3:GetObject")), boundary=unknown) is None  # a boundary only takes away
    assert writes(ADMIN, boundary=unknown) == unknown


# --- condition operators ------------------------------------------------------------

@pytest.mark.parametrize("operator, request_values, values, expected", [
    ("StringEquals", ABSENT, ("x",), False),
    ("StringNotEquals", ABSENT, ("x",), True),
    ("StringEqualsIfExists", ABSENT, ("x",), True),
    ("StringNotLike", ("abc",), ("a*",), False),
    ("StringLike", ("abc",), ("a?c",), True),
    ("StringEquals", ("ABC",), ("abc",), False),  # case-sensitive
    ("StringEqualsIgnoreCase", ("ABC",), ("abc",), True),
    ("Bool", ("false",), ("false",), True),
    ("Bool", ABSENT, ("false",), False),
    ("Null", ABSENT, ("true",), True),
    ("Null", ("false",), ("true",), False),
    ("NumericLessThan", ("5",), ("10",), True),
    ("NumericGreaterThanIfExists", ABSENT, ("3600",), True),
    ("ForAnyValue:StringEquals", ABSENT, ("x",), False),
    ("ForAllValues:StringEquals", ABSENT, ("x",), True),
    ("ForAllValues:StringEquals", ("x", "y"), ("x",), False),
    ("ForAnyValue:StringEquals", ("x", "y"), ("y",), True),
    ("IpAddress", ("10.1.2.3",), ("10.0.0.0/8",), True),
    ("StringEquals", ANY, ("x",), None),
    ("StringEquals", ("alice",), ("${aws:username}",), None),
])
def test_condition_operators(operator, request_values, values, expected):
    assert key_holds(operator, request_values, values) is expected


# --- AWS-managed policies, by their documents ----------------------------------------

def test_managed_policies_are_judged_by_their_documents():
    assert writes(managed_policy("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")) is None
    assert writes(managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")) is None  # read-only by AWS's design
    assert writes(managed_policy("arn:aws:iam::aws:policy/SecurityAudit")) is None
    assert writes(managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")) is None
    assert "'*'" in writes(managed_policy("arn:aws:iam::aws:policy/AdministratorAccess"))
    assert "s3:" in writes(managed_policy("arn:aws:iam::aws:policy/AmazonS3FullAccess"))
    assert writes(managed_policy("arn:aws:iam::aws:policy/PowerUserAccess"))
    missing = managed_policy("arn:aws:iam::aws:policy/NoSuchPolicyEver")
    assert isinstance(missing, Unknown) and "snapshot" in missing.why


def test_aws_deny_all_enforces_mfa_trivially():
    assert enforces(managed_policy("arn:aws:iam::aws:policy/AWSDenyAll")) is None


@pytest.mark.parametrize("document", ["{not json", "[]", '{"Statement": 5}',
                                      '{"Statement": [{"Effect": "Maybe", "Action": "*"}]}'])
def test_invalid_documents_are_errors(document):
    with pytest.raises(PolicyError):
        parse_policy(document, "p")


def test_single_statement_object_and_string_action():
    parsed = parse_policy({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}, "p")
    assert parsed.statements[0].actions == ("s3:GetObject",)


# --- the time of the request: aws:CurrentTime and aws:EpochTime ------------------------
# A request is made at or after the time the account is seen, so the time keys range over
# [then, ever): an Allow counts if its dates hold at some instant from then on, a Deny only
# if they hold at every one (README: Request contexts).

SEEN = datetime(2026, 12, 2, tzinfo=timezone.utc)
PAST, FUTURE = "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"


def timed(condition):
    return policy(allow("*", Condition=condition))


@pytest.mark.parametrize("condition, grants", [
    ({"DateLessThan": {"aws:CurrentTime": PAST}}, False),  # expired
    ({"DateLessThanEquals": {"aws:CurrentTime": PAST}}, False),
    ({"DateLessThanIfExists": {"aws:CurrentTime": PAST}}, False),  # the key is always there
    ({"ForAnyValue:DateLessThan": {"aws:CurrentTime": PAST}}, False),
    ({"DateEquals": {"aws:CurrentTime": PAST}}, False),
    ({"DateLessThan": {"aws:CurrentTime": FUTURE}}, True),  # still valid
    ({"DateGreaterThan": {"aws:CurrentTime": FUTURE}}, True),  # starts later: power then
    ({"DateGreaterThan": {"aws:CurrentTime": PAST}}, True),
    ({"DateEquals": {"aws:CurrentTime": FUTURE}}, True),
    ({"DateNotEquals": {"aws:CurrentTime": PAST}}, True),
    ({"DateLessThan": {"aws:CurrentTime": "1577836800"}}, False),  # a date given in epoch seconds
    ({"DateLessThan": {"aws:EpochTime": "1577836800"}}, False),
    ({"NumericLessThan": {"aws:EpochTime": "1577836800"}}, False),
    ({"NumericLessThan": {"aws:EpochTime": "1893456000"}}, True),
    ({"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}, False),  # a date alone is midnight UTC
    ({"DateGreaterThan": {"aws:CurrentTime": "2019-01-01T00:00:00Z"},
      "DateLessThan": {"aws:EpochTime": "1577836800"}}, False),  # a window that closed
    ({"DateGreaterThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"},
      "DateLessThan": {"aws:CurrentTime": FUTURE}}, False),  # a window that never opens
    ({"DateGreaterThan": {"aws:CurrentTime": FUTURE}, "DateLessThan": {"aws:CurrentTime": "2031-01-01T00:00:00Z"}},
     True),  # a window to come
    ({"DateLessThan": {"aws:CurrentTime": "yesterday"}}, True),  # IAM would reject it: as any unknown value
    ({"StringLike": {"aws:CurrentTime": "2019-*"}}, True),  # the key's text form is not judged
    ({"Null": {"aws:CurrentTime": "true"}}, False),  # every request carries it
    # aws:CurrentTime is a Date key: what a Numeric operator makes of it is not documented
    ({"NumericLessThan": {"aws:CurrentTime": "1577836800"}}, True),
])
def test_time_conditions_on_an_allow(condition, grants):
    with requests_from(SEEN):
        assert bool(writes(timed(condition))) is grants
    assert writes(timed(condition))  # without a time of the requests, the key may take any value


@pytest.mark.parametrize("condition, holds", [
    ({"DateGreaterThan": {"aws:CurrentTime": PAST}}, True),  # in force since 2020, and from now on
    ({"DateNotEquals": {"aws:CurrentTime": PAST}}, True),
    ({"DateLessThan": {"aws:CurrentTime": FUTURE}}, False),  # expires: cannot be relied on
    ({"DateGreaterThan": {"aws:CurrentTime": FUTURE}}, False),  # not yet in force
    ({"DateGreaterThanIfExists": {"aws:EpochTime": "1577836800"}}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "not a date"}}, False),
    ({"NumericGreaterThan": {"aws:CurrentTime": "0"}}, False),  # a Date key: not relied on
])
def test_time_conditions_on_a_deny(condition, holds):
    mfa = policy(deny(Condition={**NO_MFA, **condition}))
    with requests_from(SEEN):
        assert (enforces(mfa) is None) is holds


def test_a_deny_from_a_date_on_is_judged_at_each_inputs_time():
    """One process judging inputs made at different times (several --plan, checkov-scopes):
    a Deny in force since 2024-06-01 holds for requests from July 2024 on, not from January."""
    deny_all = PolicySet((policy(deny(Action="*", Condition={"DateGreaterThan": {"aws:CurrentTime":
                                                                                "2024-06-01T00:00:00Z"}})),))
    with requests_from(datetime(2024, 7, 1, tzinfo=timezone.utc)):
        assert mfa_gap(deny_all) is None
    with requests_from(datetime(2024, 1, 1, tzinfo=timezone.utc)):
        assert mfa_gap(deny_all) is not None


def test_a_value_known_only_after_apply_is_never_the_same_policy_as_a_string():
    """Policies compare and cache by name and document: an unknown NotAction must not be
    taken for a NotAction listing the text an unknown is shown as."""
    unknown = Unknown("known after apply")
    written = parse_policy({"Statement": [{"Effect": "Deny", "NotAction": [repr(unknown)], "Resource": "*"}]}, "p")
    pending = parse_policy({"Statement": [{"Effect": "Deny", "NotAction": [unknown], "Resource": "*"}]}, "p")
    assert written != pending and written.key != pending.key
