from dataclasses import replace
from typing import Any

from ..access import KEY_TYPES, key_gap, lets_service, trust_policy
from ..config import Config
from ..iam import ABSENT, ANY, Policy
from ..model import Error, Fail, Inventory, Link, Pass, Resource, Unknown
from ..regressions import destroyed, turned_off
from . import Coverage, control


def _management_events(trail: Resource) -> str | Unknown | None:
    """None when the trail records all management events, read and write."""
    basic = trail.values.get("event_selector") or []
    advanced = trail.values.get("advanced_event_selector") or []
    for selectors in (basic, advanced):
        if isinstance(selectors, Unknown):
            return selectors
    if not basic and not advanced:
        return None  # CloudTrail's default: all management events
    for selector in basic:
        include = selector.get("include_management_events", True)
        read_write = selector.get("read_write_type") or "All"
        excluded = selector.get("exclude_management_event_sources") or []
        if any(isinstance(v, Unknown) for v in (include, read_write, excluded)):
            return Unknown("the trail's event selectors are known only after apply")
        if include is not False and read_write == "All" and not excluded:
            return None
    for selector in advanced:
        fields = {f.get("field"): f for f in selector.get("field_selector") or ()}
        category = fields.get("eventCategory", {})
        if category.get("equals") == ["Management"] and set(fields) == {"eventCategory"}:
            return None  # any other field (readOnly, eventSource, ...) selects a part
    return "does not record all management events (read and write)"


def trail_gaps(trail: Resource) -> tuple[list[str], list[str]]:
    """What keeps this trail from satisfying AG_TRAIL_1, and what is unknown."""
    gaps, unknown = [], []
    for attr, default, problem in (
            ("is_multi_region_trail", False, "is not multi-region"),
            ("enable_logging", True, "has logging turned off"),
            ("include_global_service_events", True, "does not include global service events")):
        value = trail.get(attr, default)
        if isinstance(value, Unknown):
            unknown.append(f"{attr}: {value.why}")
        elif value is not True:
            gaps.append(problem)
    events = _management_events(trail)
    if isinstance(events, Unknown):
        unknown.append(f"event selectors: {events.why}")
    elif events:
        gaps.append(events)
    return gaps, unknown


TRAIL_FAMILIES = ("aws_cloudtrail*", "data.aws_cloudtrail*")
TRAIL_IRRELEVANT = {
    "aws_cloudtrail_event_data_store": "CloudTrail Lake keeps events for queries; it is not a trail, and CIS 3.x "
                                       "and AWS Security Hub CloudTrail.1 ask for a trail",
    "aws_cloudtrail_organization_delegated_admin_account": "who may administer organization trails; the trails "
                                                           "themselves are read",
    "data.aws_cloudtrail_service_account": "the account CloudTrail delivers from, for bucket policies",
}


# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudtrail
TRAIL_DEFAULTS = {
    "aws_cloudtrail.enable_logging": "true (provider: \"Defaults to true\")",
    "aws_cloudtrail.include_global_service_events": "true (provider: \"Defaults to true\")",
    "aws_cloudtrail.is_multi_region_trail": "false (provider: \"Defaults to false\")",
    "aws_cloudtrail.enable_log_file_validation": "false (provider: \"Defaults to false\")",
}


def _trail_coverage(families: tuple[str, ...] = (), read: tuple[str, ...] = (),
                    irrelevant: dict[str, str] | None = None) -> Coverage:
    return Coverage(families=TRAIL_FAMILIES + families, read=("aws_cloudtrail",) + read,
                    irrelevant={**TRAIL_IRRELEVANT, **(irrelevant or {})}, defaults={
                        **TRAIL_DEFAULTS, "aws_kms_key.policy": "KMS's default key policy: the account's root "
                        "only (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html)"})


def _trails(inventory: Inventory):
    return inventory.of_type("aws_cloudtrail")


NO_TRAIL = "there is no CloudTrail trail (aws_cloudtrail)"
TRAIL_FIX = ('resource "aws_cloudtrail" "main" {\n  name                          = "account-trail"\n'
             "  s3_bucket_name                = aws_s3_bucket.trail.id\n"
             "  is_multi_region_trail         = true\n  include_global_service_events = true\n"
             "  enable_logging                = true\n  enable_log_file_validation    = true\n"
             "  kms_key_id                    = aws_kms_key.trail.arn\n"
             '  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
             "  cloud_watch_logs_role_arn     = aws_iam_role.trail_to_cloudwatch.arn\n}")


@control(
    id="AG_TRAIL_1", title="CloudTrail is on in every region for all management events", severity="critical",
    cis="4.1", modes="PHL",
    rationale="Without a trail nobody can tell what a stolen credential did, or in which region it mined crypto.",
    fix=TRAIL_FIX,
    weakenings=(destroyed("aws_cloudtrail"), turned_off("aws_cloudtrail", "enable_logging"),
                turned_off("aws_cloudtrail", "is_multi_region_trail"),
                turned_off("aws_cloudtrail", "include_global_service_events")),
    coverage=_trail_coverage(),
)
def trail_on(inventory: Inventory, config: Config):
    trails = _trails(inventory)
    if not trails:
        yield Fail("account", NO_TRAIL)
        return
    verdicts = []
    for trail in trails:
        gaps, unknown = trail_gaps(trail)
        if gaps:
            verdicts.append(Fail(trail.address, "trail " + "; ".join(gaps)))
        elif unknown:
            verdicts.append(Error(trail.address, "cannot tell: " + "; ".join(unknown)))
        else:
            yield Pass(trail.address, "multi-region, logging, global events and all management events")
            return
    yield from verdicts


def _every_trail(inventory: Inventory, judge):
    trails = _trails(inventory)
    if not trails:
        yield Fail("account", NO_TRAIL)
    for trail in trails:
        yield judge(inventory, trail)


@control(
    id="AG_TRAIL_2", title="Every trail validates its log files", severity="medium", cis="4.2", modes="PHL",
    rationale="Without digest files an intruder can edit or delete the logs that would show what they did.",
    fix='resource "aws_cloudtrail" "main" {\n  # ...\n  enable_log_file_validation = true\n}',
    weakenings=(turned_off("aws_cloudtrail", "enable_log_file_validation"),),
    coverage=_trail_coverage(),
)
def log_file_validation(inventory: Inventory, config: Config):
    def judge(inventory, trail):
        value = trail.get("enable_log_file_validation", False)
        if isinstance(value, Unknown):
            return Error(trail.address, f"enable_log_file_validation: {value.why}")
        if value is True:
            return Pass(trail.address, "log file validation is on")
        return Fail(trail.address, "log file validation is off (enable_log_file_validation)")
    yield from _every_trail(inventory, judge)


def _points_to(inventory: Inventory, trail: Resource, attr: str, types: tuple[str, ...], what: str):
    """The resources (or outside ARNs) `attr` names; a Verdict when there are none."""
    if not trail.written(attr):
        return Fail(trail.address, f"trail has no {what} ({attr} is not set)")
    link = inventory.link(trail, attr, *types)
    if link.resources or link.outside:
        return link
    return Error(trail.address, link.unknown.why if link.unknown else f"{attr} cannot be read")


# https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
CLOUDTRAIL_KEY_USE = ("kms:GenerateDataKey",)


def unseen_key(reference: str) -> str:
    """Why a trail's key outside the input decides nothing: CloudTrail may use another
    account's key when its policy lets it, but only the key's owner sees its state and
    policy (kms:GetKeyPolicy is not cross-account), and CloudTrail checks the key only
    when it is set on the trail, not when it is later disabled or its policy changed."""
    return (f"kms_key_id names {reference}, a key that is not in this input (another account's, or one "
            "this configuration does not create), so whether it is enabled, symmetric and lets CloudTrail "
            "encrypt cannot be seen; manage the key (aws_kms_key and its policy) in the same configuration or "
            "account, or use a key of this account")


@control(
    id="AG_TRAIL_3", title="Every trail encrypts its logs with a KMS key", severity="medium", cis="4.5",
    modes="PHL",
    rationale="Logs encrypted with a key you control can only be read by those the key policy allows.",
    fix='resource "aws_cloudtrail" "main" {\n  # ...\n  kms_key_id = aws_kms_key.trail.arn\n}',
    coverage=_trail_coverage(
        families=("aws_kms_*", "data.aws_kms_*"),
        read=KEY_TYPES + ("aws_kms_key_policy", "data.aws_kms_key", "data.aws_kms_alias"),
        irrelevant={
            "aws_kms_grant": "grants add uses of a key; none takes CloudTrail's away",
            "aws_kms_ciphertext": "encrypts a value; no trail uses it",
            "aws_kms_custom_key_store": "where a key's material lives; the key is read",
            "data.aws_kms_ciphertext": "encrypts a value; no trail uses it",
            "data.aws_kms_custom_key_store": "where a key's material lives; the key is read",
            "data.aws_kms_public_key": "the public half of an asymmetric key, which CloudTrail cannot use",
            "data.aws_kms_secret": "decrypts a value; no trail uses it",
            "data.aws_kms_secrets": "decrypts values; no trail uses them",
        }),
)
def trail_kms(inventory: Inventory, config: Config):
    def judge(inventory, trail):
        keys = _points_to(inventory, trail, "kms_key_id", KEY_TYPES, "KMS key")
        if not isinstance(keys, Link):
            return keys
        if keys.outside:
            return Error(trail.address, unseen_key(keys.outside[0]))
        gaps = [key_gap(inventory, key, "cloudtrail.amazonaws.com", CLOUDTRAIL_KEY_USE,
                        **{"kms:EncryptionContext:aws:cloudtrail:arn": ANY}) for key in keys.resources]
        if None in gaps:
            return Pass(trail.address, "trail encrypts its logs with a KMS key (kms_key_id) CloudTrail can use")
        unknown = next((g for g in gaps if isinstance(g, Unknown)), None)
        return Error(trail.address, unknown.why) if unknown else Fail(trail.address, "trail " + gaps[0])
    yield from _every_trail(inventory, judge)


CLOUDTRAIL = "cloudtrail.amazonaws.com"


def _trust_policy(inventory: Inventory, role: Resource) -> Policy | Unknown:
    """The role's trust policy as the resource policy of the role it is: every statement on
    the role itself."""
    policy = trust_policy(inventory, role)
    if isinstance(policy, Unknown):
        return Unknown(f"{policy.why}, so whether CloudTrail can assume it cannot be told")
    return replace(policy, statements=tuple(replace(s, resources=("*",)) for s in policy.statements))


def _delivery_requests(trail: Resource) -> tuple[dict[str, Any], dict[str, Any]]:
    """What CloudTrail's sts:AssumeRole of the delivery role may carry: the trail as
    aws:SourceArn and its account as aws:SourceAccount, or neither, since the CloudTrail
    guide says this role does not support those keys
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html).
    A trail ARN known only after apply is any value, which can only make the answer
    unknown, so it is not a read a pass could rest on."""
    arn = dict.get(trail.values, "arn")
    parts = arn.split(":") if isinstance(arn, str) else []
    known = len(parts) > 5 and parts[4].isdigit()
    return ({"aws:SourceArn": (arn,) if known else ANY, "aws:SourceAccount": (parts[4],) if known else ANY},
            {"aws:SourceArn": ABSENT, "aws:SourceAccount": ABSENT})


def delivery_role_gap(inventory: Inventory, trail: Resource) -> str | Unknown | None:
    """None when CloudTrail can assume the trail's cloud_watch_logs_role_arn, which it
    must to deliver to CloudWatch Logs: IAM's evaluation of the role's trust policy, as
    a resource policy, must let the service cloudtrail.amazonaws.com call sts:AssumeRole
    whether or not the request carries the trail as its source. A role outside this input
    is taken as it is named; the role's permissions policy is not judged."""
    if not trail.written("cloud_watch_logs_role_arn"):
        return "has no role to deliver to CloudWatch Logs (cloud_watch_logs_role_arn is not set)"
    found = inventory.link(trail, "cloud_watch_logs_role_arn", "aws_iam_role")
    if not (found.resources or found.outside):
        return found.unknown or Unknown("cloud_watch_logs_role_arn cannot be read")
    for role in found.resources:
        policy = _trust_policy(inventory, role)
        answers = [lets_service(policy, role, CLOUDTRAIL, ("sts:AssumeRole",), **request)
                   for request in _delivery_requests(trail)]
        refusals = [a for a in answers if isinstance(a, str)]
        if len(refusals) == len(answers):
            return (f"has a delivery role, {role.address}, that CloudTrail cannot assume ({refusals[0]}), so "
                    "nothing reaches CloudWatch Logs")
        unknown = next((a for a in answers if isinstance(a, Unknown)), None)
        if unknown is not None:
            return unknown
        if refusals:
            return Unknown(f"{role.address} lets CloudTrail assume it only if its request carries aws:SourceArn "
                           f"and aws:SourceAccount, which the CloudTrail guide says this role does not support "
                           f"({refusals[0]} without them)")
    return None


@control(
    id="AG_TRAIL_4", title="Every trail delivers to CloudWatch Logs", severity="medium", cis="-",
    modes="PHL",
    rationale="Only logs in CloudWatch Logs can raise alarms while an attack is going on.",
    fix='resource "aws_cloudtrail" "main" {\n  # ...\n'
        '  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
        "  cloud_watch_logs_role_arn  = aws_iam_role.trail_to_cloudwatch.arn\n}",
    coverage=_trail_coverage(
        families=("aws_cloudwatch_log_group", "data.aws_cloudwatch_log_group*"),
        read=("aws_cloudwatch_log_group", "data.aws_cloudwatch_log_group", "aws_iam_role"),
        irrelevant={"data.aws_cloudwatch_log_groups": "lists log groups; a trail names one"}),
)
def trail_cloudwatch(inventory: Inventory, config: Config):
    def judge(inventory, trail):
        found = _points_to(inventory, trail, "cloud_watch_logs_group_arn", ("aws_cloudwatch_log_group",),
                           "CloudWatch Logs group")
        if not isinstance(found, Link):
            return found
        gap = delivery_role_gap(inventory, trail)
        if isinstance(gap, Unknown):
            return Error(trail.address, gap.why)
        if gap:
            return Fail(trail.address, "trail " + gap)
        return Pass(trail.address, "trail delivers to CloudWatch Logs")
    yield from _every_trail(inventory, judge)
