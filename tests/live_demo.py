"""`make demo`, live part: two accounts on an embedded moto server (no AWS account
needed), one seeded like the secure baseline, one set up the quick way, judged by
the live mode as `accountguard live` judges a real account."""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moto_account import REGIONS, Account, insecure, reset, session  # noqa: E402
from moto_endpoint import moto_endpoint  # noqa: E402

from accountguard.engine import evaluate, failed  # noqa: E402
from accountguard.reports import FORMATS  # noqa: E402
from accountguard.sources.live import load_account  # noqa: E402


def main() -> None:
    with moto_endpoint() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint.url
        for title, account in (("a live account seeded like the secure baseline", Account()),
                               ("a live account set up the quick way", insecure())):
            reset(endpoint.url)
            overrides = account.seed()
            inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
            results = evaluate(inventory)
            report = FORMATS["text"](inventory, results)
            table, _, rest = report.partition("\nWhat to fix:")
            print(f"== {title} (moto on {endpoint.url}) ==")
            print(table.rstrip("\n"))
            if rest:  # the fixes read as in the plan reports above; the summary is enough here
                print("\n".join(rest.rstrip("\n").splitlines()[-2:]))
            print("=> exit 1: FAILS (a CI job stops here)" if failed(results) else "=> exit 0: PASSES")
            print()


if __name__ == "__main__":
    main()
