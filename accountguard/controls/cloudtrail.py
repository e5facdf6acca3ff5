from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Resource, Status, Unknown
from ..regressions import destroyed, turned_off
from . import control


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
        if category.get("equals") == ["Management"] and "readOnly" not in fields \
                and "eventSource" not in fields:
            return None
    return "does not record all management events (read and write)"


def _gaps(trail: Resource) -> tuple[list[str], list[str]]:
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
    cis="3.1", modes="PHL",
    rationale="Without a trail nobody can tell what a stolen credential did, or in which region it mined crypto.",
    fix=TRAIL_FIX,
    weakenings=(destroyed("aws_cloudtrail"), turned_off("aws_cloudtrail", "enable_logging"),
                turned_off("aws_cloudtrail", "is_multi_region_trail"),
                turned_off("aws_cloudtrail", "include_global_service_events")),
)
def trail_on(inventory: Inventory, config: Config):
    trails = _trails(inventory)
    if not trails:
        yield Fail("account", NO_TRAIL)
        return
    verdicts = []
    for trail in trails:
        gaps, unknown = _gaps(trail)
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
    id="AG_TRAIL_2", title="Every trail validates its log files", severity="medium", cis="3.2", modes="PHL",
    rationale="Without digest files an intruder can edit or delete the logs that would show what they did.",
    fix='resource "aws_cloudtrail" "main" {\n  # ...\n  enable_log_file_validation = true\n}',
    weakenings=(turned_off("aws_cloudtrail", "enable_log_file_validation"),),
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


def _points_to(inventory: Inventory, trail: Resource, attr: str, type_: str, what: str):
    value = trail.values.get(attr)
    if value is None or value == "":
        return Fail(trail.address, f"trail has no {what} ({attr} is not set)")
    link = inventory.link(trail, attr, type_)
    if link.resources or link.outside:
        return Pass(trail.address, f"trail has its {what} ({attr})")
    return Error(trail.address, link.unknown.why if link.unknown else f"{attr} cannot be read")


@control(
    id="AG_TRAIL_3", title="Every trail encrypts its logs with a KMS key", severity="medium", cis="3.5",
    modes="PHL",
    rationale="Logs encrypted with a key you control can only be read by those the key policy allows.",
    fix='resource "aws_cloudtrail" "main" {\n  # ...\n  kms_key_id = aws_kms_key.trail.arn\n}',
)
def trail_kms(inventory: Inventory, config: Config):
    yield from _every_trail(inventory, lambda inv, trail: _points_to(
        inv, trail, "kms_key_id", "aws_kms_key", "KMS key"))


@control(
    id="AG_TRAIL_4", title="Every trail delivers to CloudWatch Logs", severity="medium", cis="(1.4: 3.4)",
    modes="PHL",
    rationale="Only logs in CloudWatch Logs can raise alarms while an attack is going on.",
    fix='resource "aws_cloudtrail" "main" {\n  # ...\n'
        '  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"\n'
        "  cloud_watch_logs_role_arn  = aws_iam_role.trail_to_cloudwatch.arn\n}",
)
def trail_cloudwatch(inventory: Inventory, config: Config):
    def judge(inventory, trail):
        group = _points_to(inventory, trail, "cloud_watch_logs_group_arn", "aws_cloudwatch_log_group",
                           "CloudWatch Logs group")
        if group.status is not Status.PASS:
            return group
        role = _points_to(inventory, trail, "cloud_watch_logs_role_arn", "aws_iam_role",
                          "role to deliver to CloudWatch Logs")
        return role if role.status is not Status.PASS else Pass(trail.address, "trail delivers to CloudWatch Logs")
    yield from _every_trail(inventory, judge)
