"""A trail's KMS key that accountguard cannot see (AG_TRAIL_3, issue 10). CloudTrail may use
a key of another account when that key's policy lets it
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html),
but whether the key is enabled, symmetric and still lets CloudTrail in is known only to the
key's owner: kms:GetKeyPolicy is not cross-account
(https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html), and CloudTrail
checks the key only when it is set on the trail, not when the key is later disabled, scheduled
for deletion or its policy changed. So a key outside the input is an `error`, never a pass.
The expected verdicts were written from those pages before the cases were run."""
from moto_account import REGIONS, Account, reset, session

from accountguard.engine import evaluate
from accountguard.sources.live import load_account
from accountguard.sources.plan import load_plan
from conftest import FIXTURES

OTHER_ACCOUNT_KEY = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _trail_3(inventory):
    (result,) = [r for r in evaluate(inventory) if r.control.id == "AG_TRAIL_3"]
    (finding,) = result.findings
    return finding


def _scan(moto, change):
    reset(moto.url)
    overrides = Account(extra=[change]).seed(session())
    return load_account(session=session(), regions=REGIONS, overrides=overrides, report_timeout=10)


def test_a_plan_naming_another_accounts_key_is_an_error_that_says_what_was_not_seen():
    """examples/trail-kms-key-other-account: kms_key_id is a literal key ARN of account
    444455556666, which the plan does not create."""
    finding = _trail_3(load_plan(FIXTURES / "trail-kms-key-other-account.json"))
    assert finding.status.value == "error"
    assert OTHER_ACCOUNT_KEY in finding.message and "cannot be seen" in finding.message


def test_a_live_trail_with_another_accounts_key_is_an_error(moto):
    """Live, the key of another account is not read (GetKeyPolicy is not cross-account)."""
    def other_key(boto):
        boto.client("cloudtrail").update_trail(Name="account-trail", KmsKeyId=OTHER_ACCOUNT_KEY)
    inventory = _scan(moto, other_key)
    finding = _trail_3(inventory)
    assert finding.status.value == "error"
    assert OTHER_ACCOUNT_KEY in finding.message
    # only for this account's own keys (AG_KEY_1 reads every key policy), none for the other account's
    own = [p.values["key_id"] for p in inventory.of_type("aws_kms_key_policy")]
    assert inventory.facts["api_calls"].get("kms:GetKeyPolicy", 0) == len(own)
    assert OTHER_ACCOUNT_KEY not in own


def test_a_key_pending_deletion_is_named_by_its_state(moto):
    """ScheduleKeyDeletion puts the key in state PendingDeletion: it cannot be used in any
    cryptographic operation, and it is deleted when the waiting period ends
    (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html). AG_TRAIL_3 fails,
    and the message says so rather than "disabled"."""
    def pending_deletion(boto):
        key = boto.client("cloudtrail").describe_trails()["trailList"][0]["KmsKeyId"].rsplit("/", 1)[1]
        boto.client("kms").schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    finding = _trail_3(_scan(moto, pending_deletion))
    assert finding.status.value == "fail"
    assert "PendingDeletion" in finding.message and "will be deleted" in finding.message
    assert "disabled" not in finding.message
