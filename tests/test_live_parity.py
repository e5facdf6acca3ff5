"""The same example, applied to a moto account by Terraform and judged live,
gets the same status per control as its plan, for every control judged both
ways. The live-only controls (root user, MFA devices, key age) cannot be
compared by nature: a plan says nothing about them."""
import json
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURES
from moto_account import analyzers, reset, session, stubbed

import fixturegen
from accountguard.controls import all_controls
from accountguard.engine import evaluate
from accountguard.sources.live import load_account
from accountguard.sources.plan import load_plan

BOTH = [c.id for c in all_controls() if "P" in c.modes and "L" in c.modes]
LIVE_ONLY = [c.id for c in all_controls() if c.modes == "L"]
# example -> the region of its default provider, the one judged live
EXAMPLES = {"baseline": "eu-west-1", "naive-account": "us-east-1", "trail-single-region": "eu-west-1",
            "user-outside-mfa-group": "eu-west-1", "billing-alarm-unsubscribed": "eu-west-1",
            "password-symbols-unset": "eu-west-1", "cis-pattern-narrowed": "eu-west-1",
            "trail-validation-string-false": "eu-west-1", "trail-second-unvalidated": "eu-west-1",
            "guardduty-enable-string-false": "eu-west-1", "password-length-local-13": "eu-west-1",
            # trail and alarm topic keys, read live with kms:DescribeKey and kms:GetKeyPolicy (the examples on
            # modules/trail-options name a bucket they do not create, which moto's CreateTrail refuses; moto never
            # reports the policy of trail-kms-replica-key's replica as updated, so its apply times out)
            "billing-topic-aws-managed-key": "eu-west-1", "billing-topic-key-without-cloudwatch": "eu-west-1",
            "trail-kms-alias-disabled-key": "eu-west-1", "trail-kms-asymmetric-key": "eu-west-1"}


def by_control(inventory):
    return {r.control.id: r.status.value for r in evaluate(inventory)}


@pytest.mark.terraform
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_live_status_equals_plan_status_for_every_control_judged_both_ways(moto, example):
    planned = json.loads((FIXTURES / f"{example}.json").read_text())
    has_analyzer = any(r["type"] == "aws_accessanalyzer_analyzer" for r in planned["resource_changes"])
    reset(moto.url)
    with tempfile.TemporaryDirectory(prefix=f"accountguard-parity-{example}-") as scratch:
        fixturegen._apply(example, moto.url, Path(scratch), planned)
    region = EXAMPLES[example]
    # moto has no Access Analyzer: the analyzer the example declares is given by a Stubber
    overrides = {"accessanalyzer:ListAnalyzers": analyzers([region] if has_analyzer else []),
                 "iam:ListOrganizationsFeatures": stubbed("iam", "list_organizations_features",
                                                          {"EnabledFeatures": []})}
    live = by_control(load_account(session=session(region), regions=[region], overrides=overrides))
    plan = by_control(load_plan(FIXTURES / f"{example}.json"))
    assert {c: live[c] for c in BOTH} == {c: plan[c] for c in BOTH}
    assert all(plan[c] == "not_applicable" and live[c] != "not_applicable" for c in LIVE_ONLY)
