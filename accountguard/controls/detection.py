from ..config import Config
from ..model import Error, Fail, Inventory, Pass, Unknown
from . import control


def _enabled(inventory: Inventory, type_: str, attr: str, good, what: str, default):
    resources = inventory.of_type(type_)
    if not resources:
        yield Fail("account", f"there is no {what} ({type_})")
        return
    verdicts = []
    for resource in resources:
        value = resource.get(attr, default)
        if isinstance(value, Unknown):
            verdicts.append(Error(resource.address, f"{attr} is known only after apply"))
        elif good(value):
            yield Pass(resource.address, f"{what} is enabled")
            return
        else:
            verdicts.append(Fail(resource.address, f"{what} is not enabled ({attr} = {value!r})"))
    yield from verdicts


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
