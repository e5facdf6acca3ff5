"""The live benchmark: a moto account with 1,000 users, 20 groups, 200 customer
policies and 3 regions, scanned by the live mode in this process. Prints the
wall time of the scan and the API calls it made, as JSON. The first scan is a warm-up
(`warm_up_seconds`): moto builds each service's regional backends when first called,
which AWS does not; the second, timed, starts without a credential report again."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from moto.iam.models import iam_backends  # noqa: E402
from moto_account import ACCOUNT_ID, Account, session  # noqa: E402
from moto_endpoint import moto_endpoint  # noqa: E402

from accountguard.engine import evaluate  # noqa: E402
from accountguard.sources.live import load_account  # noqa: E402

USERS, GROUPS, POLICIES = 1_000, 20, 200
REGIONS = ["eu-west-1", "us-east-1", "us-west-2"]


def crowd(boto) -> None:
    iam = boto.client("iam")
    for g in range(GROUPS):
        iam.create_group(GroupName=f"team{g}")
    for p in range(POLICIES):
        document = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": f"arn:aws:s3:::bucket{p}/*"}]}
        arn = iam.create_policy(PolicyName=f"read{p}", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_group_policy(GroupName=f"team{p % GROUPS}", PolicyArn=arn)
    for u in range(USERS):
        iam.create_user(UserName=f"user{u}")
        iam.add_user_to_group(UserName=f"user{u}", GroupName="humans")
        iam.add_user_to_group(UserName=f"user{u}", GroupName=f"team{u % GROUPS}")


def main() -> None:
    with moto_endpoint() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint.url
        account = Account(guardduty_regions=tuple(REGIONS), analyzer_regions=tuple(REGIONS), extra=[crowd])
        overrides = account.seed(session())
        start = time.perf_counter()
        load_account(session=session(), regions=REGIONS, overrides=overrides)
        warm_up = time.perf_counter() - start  # moto builds each service's regional backends on first use
        iam_backends[ACCOUNT_ID]["global"].credential_report = None  # as in a first scan in AWS
        start = time.perf_counter()
        inventory = load_account(session=session(), regions=REGIONS, overrides=overrides)
        results = evaluate(inventory)
        wall = time.perf_counter() - start
    print(json.dumps({"seconds": wall, "warm_up_seconds": warm_up, "calls": inventory.facts["api_calls"],
                      "users": len(inventory.of_type("aws_iam_user")),
                      "failing": sorted(r.control.id for r in results if r.status.value in ("fail", "error"))}))


if __name__ == "__main__":
    main()
