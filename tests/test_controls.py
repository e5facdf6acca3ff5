"""Each plan-mode control, beyond the examples: the cases that must be `error`
(fail closed), vacuous passes, and the semantics the examples do not reach.
Plans here are real fixtures with one thing changed, so shapes stay Terraform's."""
import json

import pytest

from accountguard.config import Config
from accountguard.controls import REGISTRY, all_controls
from accountguard.engine import evaluate
from accountguard.sources.plan import inventory_from_plan

all_controls()


def judge(plan, control_id, config=None):
    result, = evaluate(inventory_from_plan(plan, "test"), config, [REGISTRY[control_id]])
    return result


def change_of(plan, address):
    return next(rc["change"] for rc in plan["resource_changes"] if rc["address"] == address)


def make_unknown(plan, address, attr):
    change = change_of(plan, address)
    change["after"].pop(attr, None)
    change["after_unknown"][attr] = True


def drop(plan, predicate):
    plan["resource_changes"] = [rc for rc in plan["resource_changes"] if not predicate(rc)]


# --- password.py ---------------------------------------------------------------

def configured(plan, address):
    """The configuration block of a root-module resource."""
    return next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == address)


def test_pwd_unknown_setting_is_an_error(plan_json):
    plan = plan_json("baseline")
    make_unknown(plan, "aws_iam_account_password_policy.strict", "password_reuse_prevention")
    configured(plan, "aws_iam_account_password_policy.strict")["expressions"]["password_reuse_prevention"] = {
        "references": ["aws_iam_user.auditor.tags", "aws_iam_user.auditor"]}  # set from a value known at apply
    result = judge(plan, "AG_PWD_1")
    assert result.status.value == "error" and "password_reuse_prevention" in result.findings[0].message


def test_pwd_setting_left_out_is_what_aws_applies(plan_json):
    """The provider sends only what is set; AWS's defaults are no reuse prevention
    and no symbols (API_UpdateAccountPasswordPolicy), so a plan showing them as
    known after apply fails, as the .tf directory does."""
    plan = plan_json("baseline")
    for attr in ("password_reuse_prevention", "require_symbols"):
        make_unknown(plan, "aws_iam_account_password_policy.strict", attr)
        del configured(plan, "aws_iam_account_password_policy.strict")["expressions"][attr]
    message = judge(plan, "AG_PWD_1").findings[0].message
    assert "reuse prevention is 0 (needs >= 24)" in message and "does not require symbols" in message


def test_pwd_names_each_weakness(plan_json):
    message = judge(plan_json("weak-password-policy"), "AG_PWD_1").findings[0].message
    assert "minimum length is 8 (needs >= 14)" in message
    assert "does not require symbols" in message and "reuse prevention is 0 (needs >= 24)" in message


# --- mfa.py --------------------------------------------------------------------

def test_mfa_1_says_why_the_closest_policy_falls_short(plan_json):
    result = judge(plan_json("mfa-policy-bool"), "AG_MFA_1")
    assert result.status.value == "fail"
    assert "aws_iam_policy.require_mfa" in result.findings[0].message
    assert "uses Bool" in result.findings[0].message


def test_mfa_2_passes_vacuously_without_users(plan_json):
    plan = plan_json("baseline")
    drop(plan, lambda rc: rc["type"] == "aws_iam_user")
    result = judge(plan, "AG_MFA_2")
    assert result.status.value == "pass" and result.findings[0].message == "there are no IAM users"


def test_mfa_2_fails_only_the_user_outside(plan_json):
    result = judge(plan_json("user-outside-mfa-group"), "AG_MFA_2")
    assert [f.subject for f in result.findings if f.status.value == "fail"] == ["aws_iam_user.contractor"]


def test_mfa_2_policy_that_cannot_be_seen_is_an_error(plan_json):
    plan = plan_json("baseline")
    make_unknown(plan, "module.mfa.aws_iam_policy.require_mfa", "policy")
    plan["prior_state"]["values"]["root_module"]["child_modules"] = []  # the policy document data source too
    assert judge(plan, "AG_MFA_2").status.value == "error"


def reader_attachment_names(plan, policy_arn):
    """iam-attachment-paths with aws_iam_policy_attachment.reader (exclusive for its policy:
    it detaches that policy from every user, group and role it does not list) naming
    `policy_arn`: UNKNOWN, SENSITIVE or an ARN."""
    change = change_of(plan, "aws_iam_policy_attachment.reader")
    if policy_arn == "UNKNOWN":
        make_unknown(plan, "aws_iam_policy_attachment.reader", "policy_arn")
    elif policy_arn == "SENSITIVE":
        change["after_sensitive"]["policy_arn"] = True
    else:
        change["after"]["policy_arn"] = policy_arn
    return plan


@pytest.mark.parametrize("policy_arn", ["UNKNOWN", "SENSITIVE", "arn:aws:iam::123456789012:policy/RequireMFA"])
def test_mfa_2_policy_attachment_that_may_be_the_mfa_policy_is_an_error(plan_json, policy_arn):
    """It may be RequireMFA's, which it would detach from the humans group: the MFA Deny
    cannot be relied on, and whether it is that policy cannot be told (the policy's
    account is known only after apply)."""
    findings = judge(reader_attachment_names(plan_json("iam-attachment-paths"), policy_arn), "AG_MFA_2").findings
    alice = next(f for f in findings if f.subject == 'aws_iam_user.human["alice"]')
    assert alice.status.value == "error" and "aws_iam_policy_attachment.reader" in alice.message
    assert "RequireMFA" in alice.message or "require_mfa" in alice.message
    assert {f.status.value for f in findings} == {"error"}


def test_mfa_2_policy_attachment_of_another_known_policy_removes_nothing_else(plan_json):
    plan = reader_attachment_names(plan_json("iam-attachment-paths"), "arn:aws:iam::123456789012:policy/Reporting")
    assert judge(plan, "AG_MFA_2").status.value == "pass"


@pytest.mark.parametrize("policy_arn", ["UNKNOWN", "SENSITIVE"])
def test_key_1_policy_attachment_that_cannot_be_told_is_an_error_for_its_users(plan_json, policy_arn):
    """reader's only policy may be AdministratorAccess; ops' AdministratorAccess may be
    detached, and still grants until then."""
    findings = judge(reader_attachment_names(plan_json("iam-attachment-paths"), policy_arn), "AG_KEY_1").findings
    status = {f.subject: f.status.value for f in findings}
    assert status['aws_iam_access_key.machine["reader"]'] == "error"
    assert status['aws_iam_access_key.machine["ops"]'] == "fail"


def test_key_1_time_of_the_requests_is_the_plans_timestamp(plan_json):
    """key-grant-expired's administrator grant ends on 2020-01-01: a plan made before then
    lets the key change the account until that date."""
    plan = plan_json("key-grant-expired")
    assert judge(plan, "AG_KEY_1").status.value == "pass"
    plan["timestamp"] = "2019-06-01T12:00:00Z"
    finding = next(f for f in judge(plan, "AG_KEY_1").findings if f.subject == "aws_iam_access_key.migration")
    assert finding.status.value == "fail" and "'MigrationWindow' allows '*'" in finding.message


def test_key_1_a_plan_timestamp_in_the_future_is_taken_as_now(plan_json):
    """No plan is made after it is judged: a later timestamp cannot make a grant that is
    still valid seem expired."""
    plan = plan_json("key-grant-expired")
    policy = change_of(plan, "aws_iam_user_policy.migration")["after"]
    policy["policy"] = policy["policy"].replace("2020-01-01T00:00:00Z", "2090-01-01T00:00:00Z")
    plan["timestamp"] = "2099-01-01T00:00:00Z"
    assert judge(plan, "AG_KEY_1").status.value == "fail"


@pytest.mark.parametrize("padding, status", [(6000, "fail"), (4500, "error"), (100, "pass")])
def test_mfa_2_an_scp_aws_refuses_enforces_nothing(plan_json, padding, status):
    """AWS Organizations refuses an SCP over 5,120 characters (bytes, says another version of
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html):
    é is one character and two bytes."""
    plan = plan_json("mfa-enforced-by-scp-member")
    scp = change_of(plan, "aws_organizations_policy.require_mfa")["after"]
    document = json.loads(scp["content"])
    document["Statement"].append({"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
                                  "Condition": {"StringEquals": {"aws:PrincipalTag/team": "é" * padding}}})
    scp["content"] = json.dumps(document, ensure_ascii=False)
    assert judge(plan, "AG_MFA_2").status.value == status


# --- keys.py -------------------------------------------------------------------

def test_key_1_names_the_write_power(plan_json):
    """The deploy policy document refers to a bucket ARN, so its JSON is unknown in the
    plan: the verdict comes from the document's statement blocks."""
    finding = judge(plan_json("admin-access-key"), "AG_KEY_1").findings
    failed = [f for f in finding if f.status.value == "fail"]
    assert [f.subject for f in failed] == ["aws_iam_access_key.deploy"]
    assert "s3:PutObject" in failed[0].message and "aws_iam_user_policy.deploy" in failed[0].message


def test_key_1_follows_references_within_each_module_instance(plan_json):
    """module.ci_user["docs"] refers to its own aws_iam_policy.this, not release's."""
    findings = judge(plan_json("ci-users-per-pipeline"), "AG_KEY_1").findings
    assert {f.subject: f.status.value for f in findings if "ci_user" in f.subject} == {
        'module.ci_user["docs"].aws_iam_access_key.this': "pass",
        'module.ci_user["release"].aws_iam_access_key.this': "fail"}


def test_key_1_inactive_key_passes(plan_json):
    plan = plan_json("admin-access-key")
    change_of(plan, "aws_iam_access_key.deploy")["after"]["status"] = "Inactive"
    assert judge(plan, "AG_KEY_1").status.value == "pass"


def test_key_1_unreadable_policy_is_an_error_not_a_pass(plan_json):
    plan = plan_json("admin-access-key")  # the policy JSON is rendered only at apply
    drop(plan, lambda rc: rc["address"] == "data.aws_iam_policy_document.deploy")
    result = judge(plan, "AG_KEY_1")
    assert result.status.value == "error"
    assert "aws_iam_user_policy.deploy.policy is known only after apply" in result.findings[-1].message


def test_key_1_passes_vacuously_without_keys(plan_json):
    plan = plan_json("baseline")
    drop(plan, lambda rc: rc["type"] == "aws_iam_access_key")
    assert judge(plan, "AG_KEY_1").findings[0].message == "there are no access keys"


# --- cloudtrail.py ---------------------------------------------------------------

@pytest.mark.parametrize("control, attr", [("AG_TRAIL_1", "is_multi_region_trail"),
                                           ("AG_TRAIL_2", "enable_log_file_validation")])
def test_trail_unknown_setting_is_an_error(plan_json, control, attr):
    plan = plan_json("baseline")
    make_unknown(plan, "module.trail.aws_cloudtrail.this", attr)
    assert judge(plan, control).status.value == "error"


def test_trail_3_unknown_key_without_reference_is_an_error(plan_json):
    plan = plan_json("baseline")
    trail = next(r for r in plan["configuration"]["root_module"]["module_calls"]["trail"]["module"]["resources"]
                 if r["type"] == "aws_cloudtrail")
    del trail["expressions"]["kms_key_id"]
    assert judge(plan, "AG_TRAIL_3").status.value == "error"


def only_the_alias(plan):
    """kms_key_id = aws_kms_alias.logs.arn, as a module writes it without a conditional."""
    module = plan["configuration"]["root_module"]["module_calls"]["trail"]["module"]
    trail = next(r for r in module["resources"] if r["type"] == "aws_cloudtrail")
    trail["expressions"]["kms_key_id"] = {"references": ["aws_kms_alias.logs.arn", "aws_kms_alias.logs"]}
    return plan


def test_trail_3_alias_arn_is_followed_to_its_key(plan_json):
    """CloudTrail takes an alias ARN as KmsKeyId (API_CreateTrail); the alias leads to the key."""
    assert judge(only_the_alias(plan_json("trail-kms-alias")), "AG_TRAIL_3").status.value == "pass"
    plan = only_the_alias(plan_json("trail-kms-alias"))
    change_of(plan, "module.trail.aws_kms_key.logs")["after"]["is_enabled"] = False
    message = judge(plan, "AG_TRAIL_3").findings[0].message
    assert "module.trail.aws_kms_key.logs is disabled" in message


def test_trail_1_read_only_selector_does_not_count(plan_json):
    plan = plan_json("baseline")
    change_of(plan, "module.trail.aws_cloudtrail.this")["after"]["event_selector"][0]["read_write_type"] = "ReadOnly"
    message = judge(plan, "AG_TRAIL_1").findings[0].message
    assert "does not record all management events" in message


# --- billing.py ------------------------------------------------------------------

def test_bill_topic_outside_the_plan_is_an_error(plan_json):
    plan = plan_json("baseline")
    alarm = "module.billing_alarm.aws_cloudwatch_metric_alarm.estimated_charges"
    change = change_of(plan, alarm)
    change["after"]["alarm_actions"] = ["arn:aws:sns:us-east-1:123456789012:billing-elsewhere"]
    change["after_unknown"].pop("alarm_actions", None)
    result = judge(plan, "AG_BILL_1")
    assert result.status.value == "error" and "billing-elsewhere" in result.findings[0].message


def test_bill_unknown_provider_region_is_an_error(plan_json):
    plan = plan_json("baseline")
    del plan["configuration"]["provider_config"]["aws.us_east_1"]["expressions"]["region"]
    result = judge(plan, "AG_BILL_1")
    assert result.status.value == "error" and "region" in result.findings[0].message


def test_bill_names_the_wrong_region(plan_json):
    message = judge(plan_json("billing-alarm-wrong-region"), "AG_BILL_1").findings[0].message
    assert "is in eu-west-1; billing metrics exist only in us-east-1" in message


def test_bill_budget_with_a_subscriber_passes(plan_json):
    result = judge(plan_json("budget-instead-of-alarm"), "AG_BILL_1")
    assert result.status.value == "pass" and result.findings[0].subject == "aws_budgets_budget.monthly"


def test_bill_budget_notification_hidden_by_a_sensitive_address_is_an_error(plan_json):
    """Terraform marks the whole notification sensitive when one subscriber comes from a
    sensitive variable: operator and threshold cannot be read, so no pass."""
    plan = plan_json("budget-instead-of-alarm")
    change_of(plan, "aws_budgets_budget.monthly")["after_sensitive"]["notification"] = True
    result = judge(plan, "AG_BILL_1")
    assert result.status.value == "error" and "is hidden" in result.findings[0].message


def test_bill_budget_with_unknown_subscribers_is_an_error(plan_json):
    plan = plan_json("budget-instead-of-alarm")
    change = change_of(plan, "aws_budgets_budget.monthly")
    change["after"]["notification"][0].pop("subscriber_email_addresses")
    change["after_unknown"]["notification"] = [{"subscriber_email_addresses": True}]
    assert judge(plan, "AG_BILL_1").status.value == "error"


BILLING_ALARM = "module.billing_alarm.aws_cloudwatch_metric_alarm.estimated_charges"
BILLING_SUBSCRIPTION = "module.billing_alarm.aws_sns_topic_subscription.email[0]"


@pytest.mark.parametrize("protocol, status", [
    ("sms", "pass"), ("email-json", "pass"), ("application", "pass"), ("https", "pass"),  # a person reads these
    ("http", "fail"),  # cleartext, unauthenticated: not trusted to reach anyone
    ("sqs", "error"), ("firehose", "error"),  # a queue or a stream: who reads it cannot be seen
])
def test_bill_subscription_protocols(plan_json, protocol, status):
    """README, How verdicts are made: which SNS protocols reach a person."""
    plan = plan_json("baseline")
    change_of(plan, BILLING_SUBSCRIPTION)["after"]["protocol"] = protocol
    assert judge(plan, "AG_BILL_1").status.value == status


@pytest.mark.parametrize("attr, value, status", [
    ("statistic", "SampleCount", "fail"),  # counts datapoints, not dollars
    ("threshold", -1, "fail"),  # in ALARM from the start: never notifies again
    ("treat_missing_data", "breaching", "pass"),  # EstimatedCharges has data every period: never missing
    ("comparison_operator", "GreaterThanUpperThreshold", "error"),  # an anomaly band: not evaluated
    ("comparison_operator", "GreaterThanOrEqualToThreshold", "pass"),
    ("evaluation_periods", 3, "pass"),  # charges only grow within a month
])
def test_bill_alarm_must_be_able_to_fire(plan_json, attr, value, status):
    plan = plan_json("baseline")
    change_of(plan, BILLING_ALARM)["after"][attr] = value
    assert judge(plan, "AG_BILL_1").status.value == status


def test_bill_alarm_with_a_unit_gets_no_data(plan_json):
    """EstimatedCharges is published without a unit; an alarm asking for one sees no datapoints."""
    plan = plan_json("baseline")
    change_of(plan, BILLING_ALARM)["after"]["unit"] = "Count"
    assert judge(plan, "AG_BILL_1").status.value == "fail"


def test_bill_expired_budget_notifies_nobody(plan_json):
    plan = plan_json("budget-instead-of-alarm")
    change_of(plan, "aws_budgets_budget.monthly")["after"]["time_period_end"] = "2020-12-31_00:00"
    assert "ended on 2020-12-31" in judge(plan, "AG_BILL_1").findings[0].message


def test_mon_1_alarm_with_another_unit_gets_no_data(plan_json):
    plan = plan_json("baseline")
    for rc in plan["resource_changes"]:
        if rc["type"] == "aws_cloudwatch_metric_alarm" and "cis_alarms" in rc["address"]:
            rc["change"]["after"]["unit"] = "Seconds"
    assert "asks for unit Seconds" in judge(plan, "AG_MON_1").findings[0].message


def test_bill_fifo_topic_receives_nothing(plan_json):
    """CloudWatch alarms publish to standard topics only."""
    plan = plan_json("baseline")
    change_of(plan, "module.billing_alarm.aws_sns_topic.billing")["after"]["fifo_topic"] = True
    assert "FIFO" in judge(plan, "AG_BILL_1").findings[0].message


@pytest.mark.parametrize("scope, status", [(None, "fail"), ("MessageAttributes", "fail"), ("MessageBody", "error")])
def test_bill_filter_policy(plan_json, scope, status):
    """Alarm notifications carry no message attributes: an attribute filter drops them."""
    plan = plan_json("baseline")
    change = change_of(plan, BILLING_SUBSCRIPTION)
    change["after"]["filter_policy"] = '{"severity": ["high"]}'
    if scope:  # else left out: known only after apply in the plan, SNS's default MessageAttributes
        change["after"]["filter_policy_scope"] = scope
        change["after_unknown"].pop("filter_policy_scope", None)
    assert judge(plan, "AG_BILL_1").status.value == status


def test_bill_composite_alarm_may_route_an_alarm_without_actions(plan_json):
    plan = plan_json("billing-alarm-actions-disabled")
    plan["resource_changes"].append({
        "address": "aws_cloudwatch_composite_alarm.bill", "mode": "managed", "type": "aws_cloudwatch_composite_alarm",
        "name": "bill", "change": {"actions": ["create"], "before": None,
                                   "after": {"alarm_name": "bill", "alarm_rule": 'ALARM("estimated-charges")'},
                                   "after_unknown": {}, "after_sensitive": {}}})
    assert judge(plan, "AG_BILL_1").status.value == "error"


# --- detection.py ----------------------------------------------------------------

@pytest.mark.parametrize("status, verdict", [("ENABLED", "pass"), ("DISABLED", "fail")])
def test_det_1_looked_up_detector_counts_by_its_status_once_read(plan_json, status, verdict):
    """A data source read during planning has its status: it proves a detector exists
    in that state (GetDetector's Status)."""
    plan = plan_json("guardduty-looked-up")
    change = change_of(plan, "data.aws_guardduty_detector.existing")
    change["after"], change["after_unknown"] = {"id": "abc123", "status": status}, {}
    assert judge(plan, "AG_DET_1").status.value == verdict


def test_det_1_disabled_detector_is_named(plan_json):
    finding, = judge(plan_json("guardduty-disabled"), "AG_DET_1").findings
    assert finding.subject == "aws_guardduty_detector.this" and "enable = False" in finding.message


def test_det_2_unused_access_analyzer_does_not_count(plan_json):
    plan = plan_json("baseline")
    change_of(plan, "aws_accessanalyzer_analyzer.account")["after"]["type"] = "ACCOUNT_UNUSED_ACCESS"
    assert judge(plan, "AG_DET_2").status.value == "fail"


# --- monitoring.py ---------------------------------------------------------------

def test_mon_1_alarm_without_subscriber_fails(plan_json):
    plan = plan_json("baseline")
    drop(plan, lambda rc: rc["address"] == "aws_sns_topic_subscription.security_email")
    result = judge(plan, "AG_MON_1")
    assert result.status.value == "fail" and "has no subscription, so nobody is told" in result.findings[0].message


def test_mon_1_filter_on_another_log_group_does_not_count(plan_json):
    plan = plan_json("baseline")
    for rc in plan["resource_changes"]:
        if rc["type"] == "aws_cloudwatch_log_metric_filter":
            rc["change"]["after"]["log_group_name"] = "/some/other/group"
    assert "no metric filter on the trail's log group matches root-user activity" in \
        judge(plan, "AG_MON_1").findings[0].message


# --- engine ----------------------------------------------------------------------

def test_managed_elsewhere_is_not_applicable_with_the_reason(plan_json):
    config = Config(managed_elsewhere={"AG_DET_1": "delegated GuardDuty admin account"})
    finding, = judge(plan_json("guardduty-disabled"), "AG_DET_1", config).findings
    assert finding.status.value == "not_applicable" and "delegated GuardDuty admin account" in finding.message


def test_a_crashing_control_is_an_error_never_a_pass(plan_json, monkeypatch):
    from accountguard.controls import Control

    def broken(inventory, config):
        raise KeyError("boom")
    control = Control(**{**REGISTRY["AG_DET_1"].__dict__, "judge": broken})
    result, = evaluate(inventory_from_plan(plan_json("baseline"), "t"), None, [control])
    assert result.status.value == "error" and "internal error" in result.findings[0].message
