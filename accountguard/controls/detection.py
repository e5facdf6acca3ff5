from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Unknown
from . import control


def _enabled(inventory: Inventory, type_: str, attr: str, good, what: str, default):
    """A plan needs one enabled anywhere; a live account one in every region scanned."""
    resources = inventory.of_type(type_)
    regions = inventory.facts.get("regions")
    by_region = {None: resources} if regions is None else \
        {region: [r for r in resources if r.region == region] for region in regions}
    missing = [region for region, found in by_region.items() if not found]
    for region, found in by_region.items():
        verdicts = []
        for resource in found:
            value = resource.get(attr, default)
            if isinstance(value, Unknown):
                verdicts.append(Error(resource.address, f"cannot tell whether {what} is enabled: {value.why}"))
            elif good(value):
                verdicts = [Pass(resource.address, f"{what} is enabled" + (f" in {region}" if region else ""))]
                break
            else:
                verdicts.append(Fail(resource.address, f"{what} is not enabled ({attr} = {value!r})"))
        yield from verdicts
    if missing == [None]:
        yield Fail("account", f"there is no {what} ({type_})")
    elif missing:
        yield Fail("account", f"there is no {what} in {', '.join(missing)}")


@control(
    id="AG_DET_1", title="GuardDuty is enabled", severity="high", cis="-", modes="PHL",
    rationale="GuardDuty is what notices crypto-mining, credential exfiltration and calls from known bad hosts.",
    fix='resource "aws_guardduty_detector" "this" {\n  enable = true\n}',
)
def guardduty(inventory: Inventory, config: Config):
    yield from _enabled(inventory, "aws_guardduty_detector", "enable", lambda v: v is True,
                        "GuardDuty detector", True)


@control(
    id="AG_DET_2", title="IAM Access Analyzer is enabled", severity="medium", cis="1.20", modes="PHL",
    rationale="Access Analyzer shows which resources are shared outside the account, before an attacker finds them.",
    fix='resource "aws_accessanalyzer_analyzer" "account" {\n  analyzer_name = "account"\n  type          = "ACCOUNT"\n}',
)
def access_analyzer(inventory: Inventory, config: Config):
    yield from _enabled(inventory, "aws_accessanalyzer_analyzer", "type",
                        lambda v: v in ("ACCOUNT", "ORGANIZATION"), "IAM Access Analyzer", "ACCOUNT")
