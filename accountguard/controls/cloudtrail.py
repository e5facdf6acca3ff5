import re
from dataclasses import replace
from typing import Any

from ..access import KEY_TYPES, bucket_policy, key_gap, lets_service, trust_policy
from ..config import Config
from ..iam import ABSENT, ANY, Policy
from ..model import Error, Fail, Inventory, Link, Pass, Resource, Status, Unknown, arn_account
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


CLOUDTRAIL = "cloudtrail.amazonaws.com"
BUCKET_TYPES = ("aws_s3_bucket",)
PAYMENT = "aws_s3_bucket_request_payment_configuration"
# Account IDs a bucket policy names for CloudTrail: in an object key (AWSLogs/ID/) or a trail's ARN.
_NAMED_ACCOUNT = re.compile(r"AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})\b|:cloudtrail:[a-z0-9-]*:(\d{12}):trail/")
_PROBE_REGIONS = ("us-east-1", "ap-southeast-2")  # where a multi-region trail also writes from
_UNNAMED_ACCOUNT = "000000000000"  # the trail's account in an object key, when neither it nor the policy says it


def _partition(region: Any) -> str:
    if isinstance(region, str) and region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if isinstance(region, str) and region.startswith("us-gov-") else "aws"


def _trail_region(trail: Resource) -> Any:
    home = dict.get(trail.values, "home_region")  # live and in state; a plan knows it only after apply
    return home if isinstance(home, str) else trail.region


def _trail_arn(trail: Resource, account: str | None) -> str | None:
    """The trail's ARN: known, or made from its region, account and name
    (arn:PARTITION:cloudtrail:REGION:ACCOUNT:trail/NAME)."""
    arn, name, region = dict.get(trail.values, "arn"), dict.get(trail.values, "name"), _trail_region(trail)
    if isinstance(arn, str):
        return arn
    if account and isinstance(name, str) and isinstance(region, str):
        return f"arn:{_partition(region)}:cloudtrail:{region}:{account}:trail/{name}"
    return None


def _log_keys(trail: Resource, account: str, organization: str | None) -> list[str] | Unknown:
    """Object keys CloudTrail writes log files to: PREFIX/AWSLogs/ACCOUNT/CloudTrail/REGION/...,
    under AWSLogs/ORGANIZATION/ACCOUNT/ for an organization trail
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html),
    from the trail's home region and, for a multi-region trail, from others."""
    prefix = trail.get("s3_key_prefix")
    if isinstance(prefix, Unknown):
        return Unknown(f"s3_key_prefix of {trail.address} is known only after apply")
    owner = f"{organization}/{account}" if organization else account
    home = _trail_region(trail)
    regions = [home] if isinstance(home, str) else []
    if not regions or trail.get("is_multi_region_trail", False) is True:
        regions += [r for r in _PROBE_REGIONS if r not in regions]
    base = f"{prefix}/" if prefix else ""
    return [f"{base}AWSLogs/{owner}/CloudTrail/{r}/2026/01/01/{account}_CloudTrail_{r}_20260101T0000Z_probe.json.gz"
            for r in regions]


def _delivery_context(trail: Resource, account: str | None) -> dict[str, Any]:
    """What CloudTrail's S3 requests carry: the trail as aws:SourceArn and its account as
    aws:SourceAccount (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html),
    the bucket-owner-full-control ACL on every PutObject, over TLS (the SSL-only Deny of
    AWS Control Tower's log archive bucket lets CloudTrail in), as an AWS service principal,
    which is in no organization (aws:PrincipalOrgID is absent,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid)."""
    arn = _trail_arn(trail, account)
    return {"aws:SourceArn": (arn,) if arn else ANY, "aws:SourceAccount": (account,) if account else ANY,
            "s3:x-amz-acl": ("bucket-owner-full-control",), "aws:SecureTransport": ("true",),
            "aws:PrincipalIsAWSService": ("true",), "aws:PrincipalServiceName": (CLOUDTRAIL,),
            "aws:PrincipalOrgID": ABSENT}


def _organization_id(inventory: Inventory, trail: Resource, policy: Policy) -> str | Unknown | None:
    """The organization an organization trail writes under: known, or the one the bucket
    policy names (taken to be the trail's, as an account is)."""
    if trail.get("is_organization_trail", False) is not True:
        return None
    known = {(inventory.facts.get("organization") or {}).get("id")}
    known |= {o.values.get("id") for o in inventory.of_type("aws_organizations_organization")}
    found = sorted(i for i in known if isinstance(i, str)) or sorted(set(re.findall(r"AWSLogs/(o-[a-z0-9]+)/",
                                                                                     policy.key)))
    if len(found) == 1:
        return found[0]
    return Unknown("which organization the organization trail writes its logs under (AWSLogs/o-ID/) is not known "
                   "here")


def _policy_gap(policy: Policy, bucket: Resource, trail: Resource, account: str | None,
                organization: str | None) -> str | Unknown | None:
    """Why the bucket policy keeps CloudTrail from delivering this trail's logs in `account`
    (None: not known; its keys are then written under an account the policy does not name)."""
    arn = dict.get(bucket.values, "arn")
    name = bucket.values.get("bucket")
    if not isinstance(arn, str):
        if not isinstance(name, str):
            return Unknown(f"the name of {bucket.address} is known only after apply")
        arn = f"arn:{_partition(bucket.region)}:s3:::{name}"
    keys = _log_keys(trail, account or _UNNAMED_ACCOUNT, organization)
    if isinstance(keys, Unknown):
        return keys
    context = _delivery_context(trail, account)
    answers = [(lets_service(policy, bucket, CLOUDTRAIL, ("s3:GetBucketAcl",), arn, **context), "")]
    answers += [(lets_service(policy, bucket, CLOUDTRAIL, ("s3:PutObject",), f"{arn}/{key}", **context),
                 f" on {key.partition('/CloudTrail/')[0].replace(_UNNAMED_ACCOUNT, 'ACCOUNT')}/, where the trail "
                 "writes its log files") for key in keys]
    refused = next((a + where for a, where in answers if isinstance(a, str)), None)
    return refused or next((a for a, _ in answers if isinstance(a, Unknown)), None)


def _named_accounts(policy: Policy) -> list[str]:
    """The account IDs a bucket policy names for CloudTrail: in an object key, a trail's
    ARN or aws:SourceAccount."""
    named = {a for m in _NAMED_ACCOUNT.finditer(policy.key) for a in m.groups() if a}
    for statement in policy.statements:
        if isinstance(statement.conditions, dict):
            for keys in statement.conditions.values():
                values = keys.get("aws:sourceaccount") if isinstance(keys, dict) else None
                named.update(v for v in values or () if isinstance(v, str) and re.fullmatch(r"\d{12}", v))
    return sorted(named)


def _delivery_error(trail: Resource) -> str | Unknown | None:
    """What CloudTrail itself reports (live: GetTrailStatus LatestDeliveryError, "any
    Amazon S3 error that CloudTrail encountered when attempting to deliver log files")."""
    error = dict.get(trail.values, "latest_delivery_error")
    if isinstance(error, Unknown):
        return Unknown(f"whether CloudTrail delivers to the trail's bucket cannot be read: {error.why}")
    if not error:
        return None
    last = dict.get(trail.values, "latest_delivery_time")
    return (f"cannot deliver to its bucket {trail.values.get('s3_bucket_name')}: CloudTrail reports {error}"
            + (f" (last delivered {last})" if last else " (it has delivered nothing)"))


def bucket_gap(inventory: Inventory, trail: Resource) -> str | Unknown | None:
    """None when CloudTrail can write this trail's log files to its bucket: the bucket
    policy must let cloudtrail.amazonaws.com call s3:GetBucketAcl on the bucket and
    s3:PutObject on the keys the trail writes (its s3_key_prefix, AWSLogs/ and its
    account), by IAM's evaluation (an explicit Deny wins), and the bucket must not make
    the requester pay. The trail is in the input's account (Inventory.account) where
    the input shows it; where it names several, the accounts the policy names for
    CloudTrail are taken to be the trail's, as an SCP attached to an account ID is
    (README: How verdicts are made). Live, CloudTrail's own delivery
    status decides: the bucket may be another account's, whose policy cannot be read."""
    if "latest_delivery_error" in trail.values:
        return _delivery_error(trail)
    found = _points_to(inventory, trail, "s3_bucket_name", BUCKET_TYPES, "S3 bucket")
    if not isinstance(found, Link):
        return Unknown(found.message) if found.status is Status.ERROR else found.message.removeprefix("trail ")
    if found.outside:
        return Unknown(unseen_bucket(found.outside[0]))
    answers = [_bucket_answer(inventory, bucket, trail) for bucket in found.resources]
    if None in answers:
        return None
    return next((a for a in answers if isinstance(a, str)), None) or answers[0]


def _bucket_answer(inventory: Inventory, bucket: Resource, trail: Resource) -> str | Unknown | None:
    payer = _payer(inventory, bucket)
    if payer:
        return payer
    policy, _ = bucket_policy(inventory, bucket)
    if isinstance(policy, Unknown):
        return Unknown(f"the bucket policy of {bucket.address} cannot be read: {policy.why}")
    organization = _organization_id(inventory, trail, policy)
    if isinstance(organization, Unknown):
        return organization
    account = arn_account(dict.get(trail.values, "arn")) or inventory.account
    accounts = [account] if account else _named_accounts(policy) or [None]
    gaps = [_policy_gap(policy, bucket, trail, a, organization) for a in accounts]
    refused = [g for g in gaps if isinstance(g, str)]
    unknown = next((g for g in gaps if isinstance(g, Unknown)), None)
    if refused and len(refused) == len(gaps):
        return f"cannot deliver to its bucket {bucket.address}: {refused[0]}"
    if unknown:
        hint = _UNKNOWN_RESOURCE_HINT if _has_unknown_resource(policy) else ""
        return Unknown(f"whether CloudTrail can deliver to {bucket.address} cannot be told: {unknown.why}{hint}")
    if refused:
        return Unknown(f"{bucket.address} lets CloudTrail deliver for some of the accounts its policy names and not "
                       f"for others ({refused[0]}), and the plan does not say which account the trail is in")
    return _default_key(inventory, bucket, trail)


_UNKNOWN_RESOURCE_HINT = (" (a Resource of the bucket policy is known only after apply, as `aws_s3_bucket.x.arn` is in "
                          "a plan, which does not record the rest of the string: write it from the bucket's name, "
                          "\"arn:aws:s3:::${aws_s3_bucket.x.bucket}/AWSLogs/ACCOUNT/*\", to have it judged)")


def _has_unknown_resource(policy: Policy) -> bool:
    return any(isinstance(r, Unknown) for s in policy.statements for r in (s.resources or s.not_resources or ()))


def _payer(inventory: Inventory, bucket: Resource) -> str | Unknown | None:
    """A Requester Pays bucket takes no CloudTrail logs (create-s3-bucket-policy-for-cloudtrail.html),
    made so by its own resource or by the bucket's deprecated request_payer, which the provider still
    sends; left unset, S3's default is the bucket owner paying. A payer only the prior state shows
    gives way to a payment resource of the bucket the plan keeps or destroys (which resets it)."""
    configs = list(_bucket_configurations(inventory, PAYMENT, bucket))
    payer = None if bucket.left_unset("request_payer") else bucket.values.get("request_payer")
    if bucket.configured is not None and "request_payer" not in bucket.configured \
            and (any(certain for _, certain in configs) or _payment_destroyed(inventory, bucket)):
        payer = None
    if payer == "Requester":
        return (f"cannot deliver to its bucket {bucket.address}: its request_payer makes it Requester Pays, "
                "which CloudTrail does not deliver to")
    if isinstance(payer, Unknown):
        return Unknown(f"whether {bucket.address} is Requester Pays (request_payer) is known only after apply")
    for config, certain in configs:
        payer = config.values.get("payer")
        if payer == "Requester" and certain:
            return (f"cannot deliver to its bucket {bucket.address}: {config.address} makes it Requester Pays, "
                    "which CloudTrail does not deliver to")
        if isinstance(payer, Unknown) or payer == "Requester":
            return Unknown(f"whether {config.address} makes {bucket.address} Requester Pays is known only after apply")
    return None


def _payment_destroyed(inventory: Inventory, bucket: Resource) -> bool:
    """Whether the plan destroys a request payment configuration of the bucket, which sets its
    payer back to the bucket owner (the provider's documentation of the resource)."""
    destroyed = {c.address for c in inventory.changes if c.type == PAYMENT and "delete" in c.actions}
    return inventory.before is not None and any(
        config.address in destroyed and config.values.get("bucket") == bucket.values.get("bucket")
        for config in inventory.before.of_type(PAYMENT))


def _bucket_configurations(inventory: Inventory, type_: str, bucket: Resource):
    """The `type_` resources set on the bucket, and whether one may be on it (a bucket known only after apply)."""
    for config in inventory.of_type(type_):
        link = inventory.link(config, "bucket", *BUCKET_TYPES)
        if bucket in link.resources or link.unknown is not None:
            yield config, bucket in link.resources


def _default_key(inventory: Inventory, bucket: Resource, trail: Resource) -> Unknown | None:
    """A bucket whose default encryption is a KMS key encrypts a trail's log files with that
    key unless the trail names its own (kms_key_id); whether CloudTrail may use it is not
    judged."""
    if trail.written("kms_key_id"):
        return None
    for config, _ in _bucket_configurations(inventory, "aws_s3_bucket_server_side_encryption_configuration", bucket):
        rules = config.values.get("rule")
        defaults = [d for r in rules for d in r.get("apply_server_side_encryption_by_default") or ()] \
            if isinstance(rules, list) and all(isinstance(r, dict) for r in rules) else None
        if defaults is None or any(not isinstance(d, dict) or d.get("sse_algorithm") != "AES256" for d in defaults):
            return Unknown(f"{config.address} may encrypt new objects in {bucket.address} with a KMS key, and whether "
                           "CloudTrail may use that key is not judged; set the trail's own kms_key_id")
    return None


def unseen_bucket(name: str) -> str:
    """Why a trail's bucket outside the input decides nothing: its policy, which may have
    changed since CloudTrail checked it at CreateTrail, cannot be seen (live mode reads
    CloudTrail's own delivery status instead)."""
    return (f"s3_bucket_name names {name}, a bucket that is not in this input (another account's, or one this "
            "configuration does not create), so whether its policy lets CloudTrail write the trail's logs cannot "
            "be seen; manage the bucket and its policy (aws_s3_bucket_policy) in the same configuration, or judge "
            "the account live, where CloudTrail reports its delivery errors")


TRAIL_FAMILIES = ("aws_cloudtrail*", "data.aws_cloudtrail*")
TRAIL_IRRELEVANT = {
    "aws_cloudtrail_event_data_store": "CloudTrail Lake keeps events for queries; it is not a trail, and CIS 3.x "
                                       "and AWS Security Hub CloudTrail.1 ask for a trail",
    "aws_cloudtrail_organization_delegated_admin_account": "who may administer organization trails; the trails "
                                                           "themselves are read",
    "data.aws_cloudtrail_service_account": "the account CloudTrail delivers from, for bucket policies",
}

_NOT_DELIVERY = "does not change whether CloudTrail can write a log file"
BUCKET_IRRELEVANT = {
    "aws_s3_bucket_ownership_controls":
        "with every setting S3 accepts CloudTrail's PutObject, which carries the bucket-owner-full-control ACL "
        "(BucketOwnerEnforced too: it refuses only other ACLs, "
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html), and the bucket policy's "
        "s3:x-amz-acl condition is evaluated on that header",
    "aws_s3_bucket_public_access_block":
        "blocks public access only; a grant to the cloudtrail.amazonaws.com service principal is not public, and "
        "RestrictPublicBuckets still lets AWS service principals in "
        "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)",
    "aws_s3_bucket_acl": "an ACL only grants, and not to a service principal: the bucket policy lets CloudTrail in",
    "aws_s3_bucket_object_lock_configuration":
        "Object Lock keeps objects from being deleted or overwritten; CloudTrail writes new objects",
    "aws_s3_bucket_versioning": "keeps old versions; " + _NOT_DELIVERY,
    "aws_s3_bucket_lifecycle_configuration": "expires or moves objects after they are written; " + _NOT_DELIVERY,
    "aws_s3_bucket_replication_configuration": "copies objects after they are written; " + _NOT_DELIVERY,
    "aws_s3_bucket_logging": "logs requests to the bucket; " + _NOT_DELIVERY,
    "aws_s3_bucket_notification": "notifies of new objects; " + _NOT_DELIVERY,
    "aws_s3_bucket_accelerate_configuration": "a faster endpoint for clients; " + _NOT_DELIVERY,
    "aws_s3_bucket_analytics_configuration": "storage class analysis; " + _NOT_DELIVERY,
    "aws_s3_bucket_intelligent_tiering_configuration": "moves objects between tiers; " + _NOT_DELIVERY,
    "aws_s3_bucket_inventory": "lists objects; " + _NOT_DELIVERY,
    "aws_s3_bucket_metric": "request metrics; " + _NOT_DELIVERY,
    "aws_s3_bucket_cors_configuration": "rules for browsers; " + _NOT_DELIVERY,
    "aws_s3_bucket_website_configuration": "serves the bucket as a website; " + _NOT_DELIVERY,
    "aws_s3_bucket_object": "an object of a bucket; " + _NOT_DELIVERY,
    "data.aws_s3_bucket_object": "reads an object; " + _NOT_DELIVERY,
    "data.aws_s3_bucket_objects": "lists objects; " + _NOT_DELIVERY,
    "data.aws_s3_bucket_policy": "reads a bucket's policy; it sets none",
}

# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudtrail
TRAIL_DEFAULTS = {
    "aws_cloudtrail.enable_logging": "true (provider: \"Defaults to true\")",
    "aws_cloudtrail.include_global_service_events": "true (provider: \"Defaults to true\")",
    "aws_cloudtrail.is_multi_region_trail": "false (provider: \"Defaults to false\")",
    "aws_cloudtrail.enable_log_file_validation": "false (provider: \"Defaults to false\")",
    "aws_cloudtrail.is_organization_trail": "false (provider: \"Defaults to false\")",
    "aws_s3_bucket.policy": "no bucket policy, which lets no AWS service principal in "
                            "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html)",
    "aws_s3_bucket.request_payer": "the bucket owner pays, S3's default "
                                   "(https://docs.aws.amazon.com/AmazonS3/latest/userguide/RequesterPaysBuckets.html)",
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
    coverage=_trail_coverage(
        families=("aws_s3_bucket*", "data.aws_s3_bucket*"),
        read=("aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_request_payment_configuration",
              "aws_s3_bucket_server_side_encryption_configuration", "data.aws_s3_bucket",
              "aws_organizations_organization"),
        irrelevant=BUCKET_IRRELEVANT),
)
def trail_on(inventory: Inventory, config: Config):
    trails = _trails(inventory)
    if not trails:
        yield Fail("account", NO_TRAIL)
        return
    verdicts = []
    for trail in trails:
        gaps, unknown = trail_gaps(trail)
        delivery = bucket_gap(inventory, trail)
        if isinstance(delivery, Unknown):
            unknown.append(delivery.why)
        elif delivery:
            gaps.append(delivery)
        if gaps:
            verdicts.append(Fail(trail.address, "trail " + "; ".join(gaps)))
        elif unknown:
            verdicts.append(Error(trail.address, "cannot tell: " + "; ".join(unknown)))
        else:
            yield Pass(trail.address, "multi-region, logging, global events and all management events, delivered "
                                      "to a bucket that lets CloudTrail write them")
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
