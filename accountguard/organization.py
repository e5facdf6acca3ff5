"""Judging an organization scan: the same controls over every account. An
account that could not be scanned is an error on every live control, so that
no report, exit code or pytest run can read it as clean; a skipped (suspended)
account has no results and is listed with its reason."""
from __future__ import annotations

from dataclasses import dataclass

from .config import Config
from .controls import Control, all_controls
from .engine import ControlResult, evaluate, failed
from .model import Finding, Status
from .sources.live.organization_scan import AccountScan, OrganizationScan


@dataclass
class AccountResult:
    account: AccountScan
    results: list[ControlResult]

    def count(self, status: Status) -> int:
        """Findings of this status that are not waived."""
        return sum(f.status is status and f.waiver is None for r in self.results for f in r.findings)


def judge_account(account: AccountScan, config: Config, controls: list[Control]) -> list[ControlResult]:
    if account.skipped is not None:
        return []
    if account.inventory is None:
        return [ControlResult(c, [Finding(c.id, Status.ERROR, f"account:{account.account_id}",
                                          f"cannot be judged: {account.error}")]) for c in controls if "L" in c.modes]
    return evaluate(account.inventory, config, controls)


def evaluate_organization(scan: OrganizationScan, config: Config | None = None,
                          controls: list[Control] | None = None) -> list[AccountResult]:
    config, controls = config or Config(), controls or all_controls()
    return [AccountResult(a, judge_account(a, config, controls)) for a in scan.accounts]


def organization_failed(judged: list[AccountResult], config: Config | None = None) -> bool:
    return any(failed(a.results, config) for a in judged)
