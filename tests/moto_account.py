"""AWS accounts on a moto server, for the live tests, the demo and the benchmark.

Accounts are seeded through boto3, over HTTP. What moto does not model is
supplied in two ways only: the root user's state is set on the
in-process server's IAM backend, and the APIs moto has no backend for (Access
Analyzer, budget subscribers, organization features) get botocore Stubbers
with responses shaped like the AWS API reference's.
"""
from __future__ import annotations

import json
import os
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache, partial
from typing import Any, Callable

ACCOUNT_ID = "123456789012"  # moto's default account
HOME = "eu-west-1"
REGIONS = ["eu-west-1", "us-east-1"]
NOW = datetime.now(timezone.utc)
MFA_SELF_SERVICE = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                    "iam:ResyncMFADevice", "sts:GetSessionToken", "iam:ChangePassword"]
REQUIRE_MFA = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllowManageOwnMFA", "Effect": "Allow", "Action": MFA_SELF_SERVICE,
     "Resource": ["arn:aws:iam::*:mfa/${aws:username}", "arn:aws:iam::*:user/${aws:username}"]},
    {"Sid": "DenyAllExceptMFASelfServiceWithoutMFA", "Effect": "Deny", "NotAction": MFA_SELF_SERVICE,
     "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
ROOT_USAGE = '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
SIGNIN_WITHOUT_MFA = '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'
# examples/baseline/organization.tf's SCP, after AWS's SCP examples
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples.html)
GUARDRAILS = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyLeavingTheOrganization", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
     "Resource": "*"},
    {"Sid": "DenyStoppingCloudTrail", "Effect": "Deny", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
     "Resource": "*"},
    {"Sid": "DenyDisablingGuardDuty", "Effect": "Deny",
     "Action": ["guardduty:DeleteDetector", "guardduty:DisassociateFromAdministratorAccount",
                "guardduty:DisassociateFromMasterAccount", "guardduty:UpdateDetector"], "Resource": "*"},
    {"Sid": "DenyRootUser", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}]}


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()


_LOADER: list[Any] = []  # botocore's model loader, shared: reading the service models takes longest
_CLIENTS: dict[tuple[str, str, str, str], Any] = {}  # (endpoint, account, service, region) -> client
ACCOUNT_HEADER = "x-moto-account-id"  # moto's: the account a request is made in


def session(region: str = HOME, access_key: str = "testing", secret_key: str = "testing",
            token: str | None = None) -> Any:
    """A new boto3 session (moto's dummy credentials unless given); AWS_ENDPOINT_URL points it at the server,
    which is its HTTP proxy too (`proxied`)."""
    import boto3
    import botocore.session
    core = botocore.session.get_session()
    if _LOADER:
        core.register_component("data_loader", _LOADER[0])
    else:
        _LOADER.append(core.get_component("data_loader"))
    if os.environ.get("AWS_ENDPOINT_URL"):
        from botocore.config import Config
        core.set_default_client_config(Config(proxies=proxied(os.environ["AWS_ENDPOINT_URL"])))
    return boto3.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, aws_session_token=token,
                         region_name=region, botocore_session=core)


def proxied(endpoint: str) -> dict[str, str]:
    """The local server as the HTTP proxy too: botocore puts S3 Control's account ID before the
    endpoint's host (123456789012.127.0.0.1), which does not resolve; moto answers such a request
    as the account's own endpoint would. (An environment's HTTP_PROXY does the same for a CLI.)"""
    return {"http": endpoint}


@dataclass(frozen=True)
class Clients:
    """What seeding calls through: boto3 clients of one account, each made once per endpoint,
    service and region and kept across resets (botocore spends milliseconds making a session
    and a client, and seeding an account asks for a dozen). An account other than moto's default
    is addressed by moto's account header, which stays valid across resets where assumed-role
    keys do not."""

    account_id: str = ACCOUNT_ID

    def client(self, service: str, region_name: str = HOME) -> Any:
        key = (os.environ.get("AWS_ENDPOINT_URL", ""), self.account_id, service, region_name)
        made = _CLIENTS.get(key)
        if made is None:
            made = _CLIENTS[key] = _seeding_session().client(service, region_name=region_name)
            if self.account_id != ACCOUNT_ID:
                made.meta.events.register("before-sign", partial(_in_account, self.account_id))
        return made


@cache
def _seeding_session() -> Any:
    return session()


def _in_account(account_id: str, request: Any, **_: Any) -> None:
    request.headers[ACCOUNT_HEADER] = account_id


class Pace:
    """How much slower than its CPU time this process ran the work in `with pace:` (wall time
    over the CPU time of every thread, moto's included): 1 on a quiet machine, 10 when other
    processes left it a tenth of a core. A test scales by it the timeouts of a scan that is not
    about time, so that a loaded machine cannot turn slow answers into error verdicts, and the
    slack it allows a scan past its deadline; a scan that hangs still ends."""

    slowdown = 1.0

    def __enter__(self) -> "Pace":
        self._wall, self._cpu = time.monotonic(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        cpu = time.process_time() - self._cpu
        self.slowdown = max(1.0, (time.monotonic() - self._wall) / cpu) if cpu > 0 else 1.0

    def scaled(self, seconds: float) -> float:
        return seconds * self.slowdown


@dataclass
class Root:
    """The root user's credentials: moto has none, so they are set on its IAM backend."""

    mfa: str | None = "hardware"  # "hardware", "virtual" or None
    access_key: bool = False
    last_used: datetime | None = NOW - timedelta(days=200)
    password: bool = True

    def apply(self, boto: Any, account_id: str = ACCOUNT_ID) -> None:
        from moto.iam.models import iam_backends
        backend = iam_backends[account_id]["global"]
        backend.account_summary._account_mfa_enabled = int(self.mfa is not None)
        backend.account_summary._account_access_keys_present = int(self.access_key)
        if self.mfa == "virtual":
            serial = boto.client("iam").create_virtual_mfa_device(
                VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"]["SerialNumber"]
            device = backend.virtual_mfa_devices[serial]
            device.enable_date = NOW
            device.user_attribute = {"Arn": f"arn:aws:iam::{account_id}:root", "UserName": account_id,
                                     "UserId": account_id, "CreateDate": NOW, "Path": "/"}
        report = type(backend).get_credential_report
        row = self.report_row(account_id)
        backend.get_credential_report = lambda: _with_row(report(backend), row)

    def report_row(self, account_id: str = ACCOUNT_ID) -> str:
        """The <root_account> row, as AWS writes it."""
        used = self.last_used.strftime("%Y-%m-%dT%H:%M:%S+00:00") if self.last_used else "no_information"
        key = ("true", (NOW - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S+00:00"), "N/A") \
            if self.access_key else ("false", "N/A", "N/A")
        return ",".join(["<root_account>", f"arn:aws:iam::{account_id}:root", "2020-01-01T00:00:00+00:00",
                         "not_supported" if self.password else "false", used if self.password else "N/A",
                         "not_supported", "not_supported", "true" if self.mfa else "false",
                         *key, "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"])


def _with_row(report: str, row: str) -> str:
    header, _, rest = report.partition("\n")
    return f"{header}\n{row}\n{rest}"


def stubbed(service: str, operation: str, response: dict[str, Any]) -> Callable[[Any, str], Any]:
    """An override for the live Reader: a client whose one `operation` call gets
    `response`, checked by botocore's Stubber against the service model."""
    from botocore.stub import Stubber

    def client(boto: Any, region: str) -> Any:
        made = boto.client(service, region_name=region)
        stubber = Stubber(made)
        stubber.add_response(operation, response)
        stubber.activate()
        return made
    return client


def analyzers(regions: list[str] = REGIONS, account_id: str = ACCOUNT_ID) -> Callable[[Any, str], Any]:
    """An account Access Analyzer in each of `regions`, none elsewhere."""
    from botocore.stub import Stubber

    def client(boto: Any, region: str) -> Any:
        made = boto.client("accessanalyzer", region_name=region)
        stubber = Stubber(made)
        found = [{"arn": f"arn:aws:access-analyzer:{region}:{account_id}:analyzer/account", "name": "account",
                  "type": "ACCOUNT", "createdAt": NOW, "status": "ACTIVE"}] if region in regions else []
        stubber.add_response("list_analyzers", {"analyzers": found})
        stubber.activate()
        return made
    return client


@dataclass
class Account:
    """What to seed; `secure()` passes every control, each field switches one part."""

    root: Root = field(default_factory=Root)
    password_policy: dict[str, Any] | None = field(default_factory=lambda: {
        "MinimumPasswordLength": 16, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True, "PasswordReusePrevention": 24})
    mfa_policy: dict[str, Any] | None = field(default_factory=lambda: REQUIRE_MFA)
    trail: dict[str, Any] | None = field(default_factory=lambda: {"IsMultiRegionTrail": True,
                                                                  "EnableLogFileValidation": True,
                                                                  "IncludeGlobalServiceEvents": True})
    trail_kms: bool = True
    trail_logs: bool = True
    logging: bool = True
    cis_alarms: tuple[str, ...] = ("root-usage", "console-signin-without-mfa")
    billing_alarm: bool = True
    billing_subscribed: bool = True
    guardduty_regions: tuple[str, ...] = tuple(REGIONS)
    analyzer_regions: tuple[str, ...] = tuple(REGIONS)
    humans_in_mfa_group: bool = True
    human_mfa: bool = True
    reader_key_age_days: int = 10
    admin_key: bool = False
    organization_features: tuple[str, ...] = ()
    guardrails: bool = True  # manage an organization with GUARDRAILS on its root and one member
    extra: list[Callable[[Any], None]] = field(default_factory=list)  # more seeding, e.g. a budget
    account_id: str = ACCOUNT_ID  # the account `seed` seeds

    def seed(self, boto: Any = None) -> dict[str, Callable]:
        """Seed a freshly reset moto server through `boto` (this account's `Clients` unless
        given); returns the Reader overrides for what moto lacks."""
        boto = boto or Clients(self.account_id)
        iam = boto.client("iam")
        if self.password_policy:
            iam.update_account_password_policy(**self.password_policy)
        iam.create_group(GroupName="humans")
        if self.mfa_policy:
            arn = iam.create_policy(PolicyName="RequireMFA", PolicyDocument=json.dumps(self.mfa_policy))["Policy"]["Arn"]
            iam.attach_group_policy(GroupName="humans", PolicyArn=arn)
        iam.create_group(GroupName="admins")
        iam.attach_group_policy(GroupName="admins", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        iam.create_user(UserName="alice")
        iam.create_login_profile(UserName="alice", Password="Correct-Horse-9!")
        iam.add_user_to_group(UserName="alice", GroupName="admins")
        if self.humans_in_mfa_group:
            iam.add_user_to_group(UserName="alice", GroupName="humans")
        if self.human_mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="123456",
                                  AuthenticationCode2="654321")
        if self.admin_key:
            iam.create_access_key(UserName="alice")
        iam.create_user(UserName="auditor")
        iam.attach_user_policy(UserName="auditor", PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")
        iam.add_user_to_group(UserName="auditor", GroupName="humans")
        iam.create_access_key(UserName="auditor")
        _age_keys("auditor", self.reader_key_age_days, account_id=self.account_id)
        self._trail(boto)
        self._billing(boto)
        if self.guardrails:
            _guardrails(boto)
        for region in self.guardduty_regions:
            boto.client("guardduty", region_name=region).create_detector(Enable=True)
        for extra in self.extra:
            extra(boto)
        self.root.apply(boto, self.account_id)
        return {"accessanalyzer:ListAnalyzers": analyzers(list(self.analyzer_regions), self.account_id),
                "iam:ListOrganizationsFeatures": stubbed(
                    "iam", "list_organizations_features",
                    {"OrganizationId": "o-exampleorgid", "EnabledFeatures": list(self.organization_features)}
                    if self.organization_features else {"EnabledFeatures": []})}

    def _trail(self, boto: Any) -> None:
        if self.trail is None:
            return
        s3, logs = boto.client("s3"), boto.client("logs")
        bucket = "account-trail-logs" if self.account_id == ACCOUNT_ID else f"account-trail-logs-{self.account_id}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": HOME})
        settings = dict(self.trail, Name="account-trail", S3BucketName=bucket)
        if self.trail_kms:
            settings["KmsKeyId"] = boto.client("kms").create_key(
                Description="trail", Policy=json.dumps(trail_key_policy(self.account_id)))["KeyMetadata"]["Arn"]
        if self.trail_logs:
            logs.create_log_group(logGroupName="/aws/cloudtrail/account-trail")
            group = logs.describe_log_groups(logGroupNamePrefix="/aws/cloudtrail/account-trail")["logGroups"][0]
            role = boto.client("iam").create_role(RoleName="trail-to-logs", AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "cloudtrail.amazonaws.com"}}]}))
            settings.update(CloudWatchLogsLogGroupArn=group["arn"], CloudWatchLogsRoleArn=role["Role"]["Arn"])
        trails = boto.client("cloudtrail")
        trails.create_trail(**settings)
        if self.logging:
            trails.start_logging(Name="account-trail")
        if self.trail_logs and self.cis_alarms:
            topic = _subscribed_topic(boto, HOME, "security-alerts", True)
            watch = boto.client("cloudwatch")
            for name in self.cis_alarms:
                pattern = ROOT_USAGE if name == "root-usage" else SIGNIN_WITHOUT_MFA
                logs.put_metric_filter(logGroupName="/aws/cloudtrail/account-trail", filterName=name,
                                       filterPattern=pattern, metricTransformations=[
                                           {"metricName": name, "metricNamespace": "CISBenchmark", "metricValue": "1"}])
                watch.put_metric_alarm(AlarmName=name, Namespace="CISBenchmark", MetricName=name, Statistic="Sum",
                                       Period=300, EvaluationPeriods=1, Threshold=1,
                                       ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])

    def _billing(self, boto: Any) -> None:
        if not self.billing_alarm:
            return
        topic = _subscribed_topic(boto, "us-east-1", "billing-alerts", self.billing_subscribed)
        boto.client("cloudwatch", region_name="us-east-1").put_metric_alarm(
            AlarmName="estimated-charges", Namespace="AWS/Billing", MetricName="EstimatedCharges",
            Dimensions=[{"Name": "Currency", "Value": "USD"}], Statistic="Maximum", Period=21600,
            EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic])


def trail_key_policy(account_id: str) -> dict[str, Any]:
    """examples/modules/cloudtrail's key policy: the account administers the key, CloudTrail
    generates data keys with it (a key created without a policy lets in only the account's
    root: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministration", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudTrailEncrypt", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}]}


def _guardrails(boto: Any) -> None:
    orgs = boto.client("organizations", region_name="us-east-1")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    orgs.create_account(AccountName="workload", Email="aws-workload@example.com")
    policy = orgs.create_policy(Name="guardrails", Description="guardrails", Type="SERVICE_CONTROL_POLICY",
                                Content=json.dumps(GUARDRAILS))["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=policy, TargetId=root)


def _subscribed_topic(boto: Any, region: str, name: str, subscribed: bool) -> str:
    sns = boto.client("sns", region_name=region)
    topic = sns.create_topic(Name=name)["TopicArn"]
    if subscribed:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    return topic


def _age_keys(user: str, days: int, last_used_days: int | None = 1, account_id: str = ACCOUNT_ID) -> None:
    """Keys created `days` ago: moto stamps them with the time of the call."""
    from moto.iam.models import iam_backends
    for key in iam_backends[account_id]["global"].get_user(user).access_keys:
        key.create_date = (NOW - timedelta(days=days)).replace(tzinfo=None)
        key.last_used = None if last_used_days is None else \
            (NOW - timedelta(days=last_used_days)).replace(tzinfo=None)


def insecure() -> Account:
    """An account set up the quick way: nothing of the baseline."""
    return Account(root=Root(mfa=None, access_key=True, last_used=NOW - timedelta(days=2)), password_policy=None,
                   mfa_policy=None, trail=None, billing_alarm=False, guardduty_regions=(), analyzer_regions=(),
                   human_mfa=False, admin_key=True, reader_key_age_days=400, guardrails=False)


ROLE = "accountguard-scanner"


def member_session(account_id: str, region: str = HOME) -> Any:
    """A session in a member account, as its OrganizationAccountAccessRole gives (moto checks no trust)."""
    c = Clients().client("sts", region).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="seeding")["Credentials"]
    return session(region, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


@dataclass
class Member:
    """A member account to create: its name, its OU path below the root ("" for the root), what to
    seed in it (None: nothing, an empty account) and whether to close it (moto: SUSPENDED at once)."""

    name: str
    ou: str = ""
    account: Account | None = field(default_factory=Account)
    closed: bool = False


@dataclass
class SeededOrganization:
    id: str
    root_id: str
    ids: dict[str, str]  # member name -> account ID ("management" too)
    units: dict[str, str]  # OU path -> OU ID
    overrides: dict[str, dict[str, Callable]]  # account ID -> Reader overrides

    def overrides_for(self, account_id: str) -> dict[str, Callable]:
        return self.overrides.get(account_id) or {}


def organization(management: Account | None, members: list[Member],
                 scps: dict[str, tuple[dict[str, Any], list[str]]] = (),  # type: ignore[assignment]
                 organization_trail: dict[str, Any] | None = None) -> SeededOrganization:
    """Reset nothing: seed an organization on a freshly reset server. `scps`: name ->
    (document, targets as OU paths, "" for the root, or member names)."""
    boto = Clients()
    orgs = boto.client("organizations", region_name="us-east-1")
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    units: dict[str, str] = {"": root}
    for member in members:
        parts = [p for p in member.ou.split("/") if p]
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path not in units:
                units[path] = orgs.create_organizational_unit(
                    ParentId=units["/".join(parts[:depth - 1])], Name=parts[depth - 1])["OrganizationalUnit"]["Id"]
    ids = {"management": ACCOUNT_ID}
    overrides: dict[str, dict[str, Callable]] = {}
    if management is not None:
        overrides[ACCOUNT_ID] = Account(**{**management.__dict__, "guardrails": False}).seed()
    for member in members:
        account_id = orgs.create_account(AccountName=member.name, Email=f"{member.name}@example.com"
                                          )["CreateAccountStatus"]["AccountId"]
        ids[member.name] = account_id
        if member.ou:
            orgs.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=units[member.ou])
        if member.account is not None:
            seeded = Account(**{**member.account.__dict__, "account_id": account_id, "guardrails": False})
            overrides[account_id] = seeded.seed()
        else:
            overrides[account_id] = {"accessanalyzer:ListAnalyzers": analyzers([], account_id),
                                     "iam:ListOrganizationsFeatures": stubbed(
                                         "iam", "list_organizations_features", {"EnabledFeatures": []})}
        if member.closed:
            orgs.close_account(AccountId=account_id)
    for name, (document, targets) in dict(scps).items():
        policy = orgs.create_policy(Name=name, Description=name, Type="SERVICE_CONTROL_POLICY",
                                    Content=json.dumps(document))["Policy"]["PolicySummary"]["Id"]
        for target in targets:
            orgs.attach_policy(PolicyId=policy, TargetId=units[target] if target in units else ids[target])
    if organization_trail is not None:
        s3 = boto.client("s3")
        s3.create_bucket(Bucket="organization-trail-logs", CreateBucketConfiguration={"LocationConstraint": HOME})
        trails = boto.client("cloudtrail")
        trails.create_trail(Name="organization-trail", S3BucketName="organization-trail-logs",
                            IsOrganizationTrail=True, **organization_trail)
        trails.start_logging(Name="organization-trail")
    return SeededOrganization(org["Id"], root, ids, units, overrides)
