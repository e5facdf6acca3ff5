"""The organization benchmark: an organization of ACCOUNTS moto accounts (the
management account and its members, each seeded as the secure baseline) in 3
regions, scanned by `load_organization` in this process at each concurrency.
Prints, as JSON, the wall time of each scan, the API calls per account, and
those of the single-account scan of one member, which they must equal (less the
Organizations reads, made once by the management account for the whole run)."""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from moto_account import Account, Member, member_session, organization  # noqa: E402
from moto_endpoint import moto_endpoint  # noqa: E402

from accountguard.organization import evaluate_organization  # noqa: E402
from accountguard.sources.live import load_account  # noqa: E402
from accountguard.sources.live.organization_scan import load_organization  # noqa: E402

REGIONS = ["eu-west-1", "us-east-1", "us-west-2"]


def _own(calls: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in calls.items() if not k.startswith("organizations:")}


def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    levels = [int(n) for n in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1, 8, 32]
    baseline = Account(guardduty_regions=tuple(REGIONS), analyzer_regions=tuple(REGIONS))
    with moto_endpoint() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint.url
        seeded = organization(baseline, [Member(f"member{n}", f"Unit{n % 5}", baseline) for n in range(accounts - 1)])
        sample = seeded.ids["member0"]
        single = load_account(session=member_session(sample), regions=REGIONS, overrides=seeded.overrides_for(sample))
        runs = []
        for concurrency in levels:
            start = time.perf_counter()
            scan = load_organization(regions=REGIONS, overrides=seeded.overrides_for, concurrency=concurrency,
                                     session=__import__("moto_account").session())
            judged = evaluate_organization(scan)
            wall = time.perf_counter() - start
            per_account = [_own(a.inventory.facts["api_calls"]) for a in scan.accounts if a.inventory is not None]
            distinct = Counter(json.dumps(c, sort_keys=True) for c in per_account)
            runs.append({"concurrency": concurrency, "seconds": wall, "scanned": len(per_account),
                         "errors": [a.account_id for a in scan.accounts if a.error],
                         "failing_accounts": sum(any(r.status.value in ("fail", "error") for r in j.results)
                                                 for j in judged),
                         "calls_per_account": [json.loads(c) for c in distinct],
                         "organization_calls": scan.api_calls})
    print(json.dumps({"accounts": accounts, "regions": REGIONS, "single_account_calls": _own(single.facts["api_calls"]),
                      "runs": runs}))


if __name__ == "__main__":
    main()
