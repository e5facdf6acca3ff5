"""The KMS keys of trails and alarm topics, judged live against moto with the same
semantics as plans (accountguard/access.py:key_gap): state, spec and key policy,
read with kms:DescribeKey and kms:GetKeyPolicy. Each case changes one thing of the
secure account after seeding; the expected verdict was written from the AWS
documentation cited beside it before the case was run."""
import json

import pytest
from moto_account import ACCOUNT_ID, HOME, REGIONS, Account, reset, session

from accountguard.engine import evaluate
from accountguard.sources.live import load_account

# CloudWatch's statement for the key of an encrypted alarm topic
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, KMS section)
CLOUDWATCH_MAY_USE = {"Sid": "Allow_CloudWatch_for_CMK", "Effect": "Allow",
                      "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
                      "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}
ROOT_ONLY = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"}


def _policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _scan(moto, *extra):
    reset(moto.url)
    overrides = Account(extra=list(extra)).seed()
    return load_account(session=session(), regions=REGIONS, overrides=overrides, report_timeout=10)


def _results(inventory):
    return {r.control.id: r for r in evaluate(inventory)}


def _trail_key(boto):
    """The trail key's ID (moto's DisableKey and ScheduleKeyDeletion take no ARN)."""
    return boto.client("cloudtrail").describe_trails()["trailList"][0]["KmsKeyId"].rsplit("/", 1)[1]


def _disabled(boto):
    boto.client("kms").disable_key(KeyId=_trail_key(boto))


def _root_only(boto):
    boto.client("kms").put_key_policy(KeyId=_trail_key(boto), PolicyName="default", Policy=_policy(ROOT_ONLY))


def _pending_deletion(boto):
    boto.client("kms").schedule_key_deletion(KeyId=_trail_key(boto), PendingWindowInDays=7)


def _asymmetric(boto):
    key = boto.client("kms").create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT", Policy=_policy(
        ROOT_ONLY, {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*", "Resource": "*"}))["KeyMetadata"]["Arn"]
    boto.client("cloudtrail").update_trail(Name="account-trail", KmsKeyId=key)


@pytest.mark.parametrize("change, why", [
    (_disabled, "a disabled key cannot be used in cryptographic operations: "
                "https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html"),
    (_root_only, "CloudTrail needs kms:GenerateDataKey* in the key policy; a policy naming only the account's root "
                 "does not grant it to the service: "
                 "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"),
    (_pending_deletion, "a key pending deletion cannot be used in any cryptographic operation: "
                        "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"),
    (_asymmetric, "CloudTrail encrypts under data keys, which only symmetric encryption keys generate: "
                  "https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-compare.html"),
], ids=["disabled", "policy-root-only", "pending-deletion", "asymmetric"])
def test_a_trail_key_cloudtrail_cannot_use_fails(moto, change, why):
    results = _results(_scan(moto, change))
    assert results["AG_TRAIL_3"].status.value == "fail", why
    assert all(r.status.value == "pass" for c, r in results.items() if c in ("AG_TRAIL_1", "AG_TRAIL_2", "AG_BILL_1"))


def test_the_secure_trail_key_is_read_and_passes(moto):
    inventory = _scan(moto)
    assert _results(inventory)["AG_TRAIL_3"].status.value == "pass"
    [key] = inventory.of_type("aws_kms_key")
    assert key.values["is_enabled"] is True and key.values["customer_master_key_spec"] == "SYMMETRIC_DEFAULT"
    assert "cloudtrail.amazonaws.com" in key.values["policy"]
    assert inventory.facts["api_calls"]["kms:DescribeKey"] == 1
    assert inventory.facts["api_calls"]["kms:GetKeyPolicy"] == 1  # once, for AG_TRAIL_3 and for AG_KEY_1 alike


@pytest.mark.parametrize("operation", ["DescribeKey", "GetKeyPolicy"])
def test_a_refused_key_read_is_an_error_for_the_trail_key_never_a_pass(moto, operation):
    """A refused read is unreadable, not an absent key (README: Faults fail closed); were it
    taken as a key outside the account, AG_TRAIL_3 would pass."""
    moto.fail(operation, 400, "AccessDeniedException", times=10)
    results = _results(_scan(moto))
    moto.clear()
    finding, = results["AG_TRAIL_3"].findings
    assert finding.status.value == "error"
    assert f"kms:{operation} was refused (AccessDeniedException): the scanner needs permission kms:{operation}" \
        in finding.message
    assert results["AG_TRAIL_1"].status.value == results["AG_BILL_1"].status.value == "pass"


def _encrypted_topic(region, name, key_policy, alias="alias/alerts"):
    def change(boto):
        kms = boto.client("kms", region_name=region)
        key = kms.create_key(Policy=key_policy)["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=key)
        sns = boto.client("sns", region_name=region)
        topic = sns.create_topic(Name=name)["TopicArn"]  # idempotent: the seeded topic
        sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue=alias)
    return change


def test_a_billing_topic_whose_key_lets_cloudwatch_in_passes(moto):
    """CloudWatch publishes to a topic encrypted with a customer managed key whose policy
    grants it kms:Decrypt and kms:GenerateDataKey* (AlarmThatSendsEmail.html, KMS section);
    the topic names the key by alias, which KMS resolves to its target key
    (https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html)."""
    inventory = _scan(moto, _encrypted_topic("us-east-1", "billing-alerts", _policy(ROOT_ONLY, CLOUDWATCH_MAY_USE)))
    assert _results(inventory)["AG_BILL_1"].status.value == "pass"
    [alias] = inventory.of_type("aws_kms_alias")
    assert alias.address == f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:alias/alerts"


def test_a_billing_topic_whose_key_keeps_cloudwatch_out_fails(moto):
    """KMS's default key policy lets in only the account's root, so CloudWatch cannot use the
    key and the alarm's notification is never published (AlarmThatSendsEmail.html;
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)."""
    results = _results(_scan(moto, _encrypted_topic("us-east-1", "billing-alerts", _policy(ROOT_ONLY))))
    assert results["AG_BILL_1"].status.value == "fail"
    assert "does not let cloudwatch.amazonaws.com use it" in results["AG_BILL_1"].findings[0].message


def test_an_alias_name_is_the_key_of_the_topics_own_region(moto):
    """Alias names are unique per account and Region, and a name without an ARN is resolved
    in the caller's Region (https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html):
    the billing topic in us-east-1 uses us-east-1's alias/alerts, whose key keeps CloudWatch out,
    whatever eu-west-1's alias/alerts (used by the CIS alarms' topic) allows."""
    results = _results(_scan(moto, _encrypted_topic("us-east-1", "billing-alerts", _policy(ROOT_ONLY)),
                             _encrypted_topic(HOME, "security-alerts", _policy(ROOT_ONLY, CLOUDWATCH_MAY_USE))))
    assert results["AG_BILL_1"].status.value == "fail"
    assert results["AG_MON_1"].status.value == "pass"


def _topic_key(value):
    def change(boto):
        sns = boto.client("sns", region_name="us-east-1")
        topic = sns.create_topic(Name="billing-alerts")["TopicArn"]
        sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue=value)
    return change


def test_a_billing_topic_with_the_aws_managed_key_fails_without_resolving_it(moto):
    """The AWS managed key alias/aws/sns has a policy CloudWatch cannot use
    (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger); DescribeKey on a
    predefined AWS alias without a key would create that key
    (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html), so it is not called."""
    inventory = _scan(moto, _topic_key("alias/aws/sns"))
    assert _results(inventory)["AG_BILL_1"].status.value == "fail"
    assert inventory.facts["api_calls"]["kms:DescribeKey"] == 1  # the trail's key only


def test_a_billing_topic_key_of_another_account_is_an_error(moto):
    """GetKeyPolicy cannot be called on a key of another account ("Cross-account use: No",
    https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html): whether its
    policy lets CloudWatch in cannot be seen."""
    other = "arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    results = _results(_scan(moto, _topic_key(other)))
    assert results["AG_BILL_1"].status.value == "error"
