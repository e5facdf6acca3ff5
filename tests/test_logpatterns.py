"""CloudWatch Logs filter patterns evaluated as CloudWatch matches them
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html),
on the representative CloudTrail records AG_MON_1 judges metric filters by."""
import pytest

from accountguard.controls.monitoring import EVENTS
from accountguard.logpatterns import PatternNotEvaluated, compile_pattern

ROOT_EVENTS = [record for _, record in EVENTS["root-user activity"]]
SIGNIN_EVENTS = [record for _, record in EVENTS["console sign-in without MFA"]]
CIS_ROOT = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
CIS_SIGNIN = ('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
              '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }')


def matches_all(pattern, events):
    matcher = compile_pattern(pattern)
    return all(matcher(e) for e in events)


@pytest.mark.parametrize("pattern, events, expected", [
    (CIS_ROOT, ROOT_EVENTS, True),
    (CIS_SIGNIN, SIGNIN_EVENTS, True),
    ('{ $.userIdentity.type = Root }', ROOT_EVENTS, True),  # bare values are strings too
    ('{ ($.userIdentity.type = "Root") || ($.eventName = "Nothing") }', ROOT_EVENTS, True),
    ('{ $.userIdentity.type = "Ro*" }', ROOT_EVENTS, True),  # * is a wildcard
    ('{ $.userIdentity.type = "root" }', ROOT_EVENTS, False),  # values are case-sensitive
    (CIS_ROOT[:-1] + '&& $.sourceIPAddress = "198.51.100.7" }', ROOT_EVENTS, False),  # narrowed
    (CIS_ROOT[:-1] + '&& $.awsRegion = "us-east-1" }', ROOT_EVENTS, False),  # narrowed to a region
    ('{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }', ROOT_EVENTS, False),  # sign-ins only
    ('{ $.userIdentity.invokedBy EXISTS }', ROOT_EVENTS, False),
    ('{ $.errorCode != "AccessDenied" }', ROOT_EVENTS, False),  # a property the records lack does not match
    ('{ $.readOnly IS FALSE }', [e for e in ROOT_EVENTS if not e["readOnly"]], True),
    (CIS_ROOT[:-1] + '&& $.readOnly IS FALSE }', ROOT_EVENTS, False),  # root's reads left out
    (CIS_ROOT[:-1] + '&& $.recipientAccountId = "123456789012" }', ROOT_EVENTS, False),  # members left out
    (CIS_ROOT[:-1] + '&& $.eventVersion = "1.09" }', ROOT_EVENTS, False),
    ('{ $.requestParameters IS NULL }', [e for e in ROOT_EVENTS if e["requestParameters"] is None], True),
    ('{ $.eventVersion > 1 }', ROOT_EVENTS, False),  # "1.09" is a string in CloudTrail records
    ('Root', ROOT_EVENTS, True),  # a term occurring in the record
    ('Root -ConsoleLogin', ROOT_EVENTS, False),
    ('?Nothing ?Root', ROOT_EVENTS, True),
    ('', ROOT_EVENTS, True),  # the empty pattern matches every event
    ('{ $.additionalEventData.MFAUsed != "Yes" && $.eventName = "ConsoleLogin" }', SIGNIN_EVENTS, True),
    ('{ $.eventName = "ConsoleLogin" && $.userIdentity.userName = "alice" }', SIGNIN_EVENTS, False),
    (CIS_SIGNIN[:-1] + '&& ($.additionalEventData.MobileVersion = "No") }', SIGNIN_EVENTS, False),  # app left out
    (CIS_SIGNIN[:-1] + '&& ($.eventTime = "2026-11-30*") }', SIGNIN_EVENTS, False),  # one day only
])
def test_patterns_match_as_cloudwatch_does(pattern, events, expected):
    assert matches_all(pattern, events) is expected


@pytest.mark.parametrize("pattern", [
    '{ $.userIdentity.type = %Root% }', '[version, account, ...]', '{ $.resources[*].ARN = "x" }',
    '{ $.userIdentity.type = "Root" ', '{ $.a = "x" && }', '{ $.a < "x" }', "x" * 1025,
])
def test_what_is_not_evaluated_says_so(pattern):
    with pytest.raises(PatternNotEvaluated):
        compile_pattern(pattern)
