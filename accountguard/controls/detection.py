from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Resource, Unknown
from . import Coverage, control


def _enabled(inventory: Inventory, resources: list[Resource], judge, what: str, type_: str):
    """A plan needs one enabled anywhere; a live account one in every region scanned.
    `judge(resource)` is None when it is enabled, else why not (Unknown if unseen)."""
    regions = inventory.facts.get("regions")
    by_region = {None: resources} if regions is None else \
        {region: [r for r in resources if r.region == region] for region in regions}
    missing = [region for region, found in by_region.items() if not found]
    for region, found in by_region.items():
        verdicts = []
        for resource in found:
            gap = judge(resource)
            # a data source is no resource of this configuration: its verdict is the account's
            subject, named = (resource.address, "") if resource.mode == "managed" else ("account", f"{resource.address}: ")
            if isinstance(gap, Unknown):
                verdicts.append(Error(subject, f"{named}cannot tell whether {what} is enabled: {gap.why}"))
            elif gap is None:
                verdicts = [Pass(subject, f"{named}{what} is enabled" + (f" in {region}" if region else ""))]
                break
            else:
                verdicts.append(Fail(subject, f"{named}{what} is not enabled ({gap})"))
        yield from verdicts
    if missing == [None]:
        yield Fail("account", f"there is no {what} ({type_})")
    elif missing:
        yield Fail("account", f"there is no {what} in {', '.join(missing)}")


def _detector_gap(detector: Resource):
    """A managed detector is on unless `enable = false`. A data source only looks an
    existing detector up: its `status` says whether that one is on, and where the
    plan does not know it yet (read at apply, or a .tf directory) it proves nothing."""
    if detector.mode == "managed":
        value = detector.get("enable", True)
        if isinstance(value, Unknown):
            return Unknown(f"enable of {detector.address} is known only after apply")
        return None if value is True else f"enable = {value!r}"
    status = detector.values.get("status")
    if status == "ENABLED":
        return None
    if isinstance(status, str):
        return f"the detector it looks up has status {status}"
    return Unknown(f"{detector.address} looks an existing detector up, and its status is not known "
                   "until Terraform reads it")


@control(
    id="AG_DET_1", title="GuardDuty is enabled", severity="high", cis="-", modes="PHL",
    rationale="GuardDuty is what notices crypto-mining, credential exfiltration and calls from known bad hosts.",
    fix='resource "aws_guardduty_detector" "this" {\n  enable = true\n}',
    coverage=Coverage(
        families=("aws_guardduty_*", "data.aws_guardduty_*"),
        read=("aws_guardduty_detector", "data.aws_guardduty_detector"),
        defaults={"aws_guardduty_detector.enable": "true (provider: \"Defaults to true\")"},
        irrelevant={
            "aws_guardduty_detector_feature": "turns an optional protection plan (S3, EKS, RDS, runtime, "
                                              "malware) on or off; the detector and its foundational sources "
                                              "(CloudTrail, VPC flow logs, DNS) stay on",
            "aws_guardduty_member_detector_feature": "protection plans of a member account's detector",
            "aws_guardduty_organization_configuration": "what member accounts get automatically; this "
                                                        "account's own detector is read",
            "aws_guardduty_organization_configuration_feature": "protection plans members get automatically",
            "aws_guardduty_organization_admin_account": "which account administers GuardDuty for the "
                                                        "organization",
            "aws_guardduty_member": "invites another account; this account's detector is read",
            "aws_guardduty_invite_accepter": "accepts an administrator; the detector is read",
            "aws_guardduty_filter": "archives findings that match its criteria (suppression); GuardDuty still "
                                    "runs and records them",
            "aws_guardduty_ipset": "trusted IPs: fewer findings for them; GuardDuty still runs",
            "aws_guardduty_threatintelset": "more threat intelligence; adds findings",
            "aws_guardduty_publishing_destination": "exports findings to S3",
            "aws_guardduty_malware_protection_plan": "malware scanning of one S3 bucket",
            "data.aws_guardduty_finding_ids": "lists findings; changes nothing",
        }),
)
def guardduty(inventory: Inventory, config: Config):
    detectors = inventory.of_type("aws_guardduty_detector") + inventory.of_type("data.aws_guardduty_detector")
    yield from _enabled(inventory, detectors, _detector_gap, "GuardDuty detector", "aws_guardduty_detector")


ANALYZER_TYPES = ("ACCOUNT", "ORGANIZATION")  # the *_UNUSED_ACCESS types do not report external access


def _analyzer_gap(analyzer: Resource):
    kind = analyzer.get("type", "ACCOUNT")
    if isinstance(kind, Unknown):
        return Unknown(f"type of {analyzer.address} is known only after apply")
    return None if kind in ANALYZER_TYPES else f"type = {kind!r}"


@control(
    id="AG_DET_2", title="IAM Access Analyzer is enabled", severity="medium", cis="2.18", modes="PHL",
    rationale="Access Analyzer shows which resources are shared outside the account, before an attacker finds them.",
    fix='resource "aws_accessanalyzer_analyzer" "account" {\n  analyzer_name = "account"\n  type          = "ACCOUNT"\n}',
    coverage=Coverage(
        families=("aws_accessanalyzer_*", "data.aws_accessanalyzer_*"),
        read=("aws_accessanalyzer_analyzer",),
        defaults={"aws_accessanalyzer_analyzer.type": "ACCOUNT (provider: \"Defaults to ACCOUNT\")"},
        irrelevant={"aws_accessanalyzer_archive_rule": "archives findings that match its filter (suppression); "
                                                       "the analyzer still runs and records them"}),
)
def access_analyzer(inventory: Inventory, config: Config):
    yield from _enabled(inventory, inventory.of_type("aws_accessanalyzer_analyzer"), _analyzer_gap,
                        "IAM Access Analyzer", "aws_accessanalyzer_analyzer")
