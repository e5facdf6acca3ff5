"""The resource-based policies of S3 buckets, KMS keys (and their grants, as `aws_kms_grant`),
SNS topics, SQS queues, Secrets Manager secrets and Lambda functions (AG_KEY_1: what they grant
a user on their own), as the resources a plan sets them with (`aws_s3_bucket_policy`, ...). A
policy that cannot be read, or resources that cannot be listed, are a resource whose policy is
Unknown: an error for the keys whose verdict it would decide, never a pass. (A key's or a topic's
policy is also what access.key_policy and topic_policy find for the trail and alarm controls.)
Calls grow with regions and resources, never with users."""
from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable

from ...model import Unknown
from .reader import ReadFailed

# the type a plan sets each policy with, and the attribute naming its resource
TYPES = {"s3": ("aws_s3_bucket_policy", "bucket"), "kms": ("aws_kms_key_policy", "key_id"),
         "sns": ("aws_sns_topic_policy", "arn"), "sqs": ("aws_sqs_queue_policy", "queue_url"),
         "secretsmanager": ("aws_secretsmanager_secret_policy", "secret_arn"),
         "lambda": ("aws_lambda_function_policy", "function_name")}
READ_TYPES = [t for t, _ in TYPES.values()] + ["aws_kms_grant"]
NO_POLICY = {"NoSuchBucketPolicy", "ResourceNotFoundException"}  # the resource has none


def read(scan: Any, pool: Executor) -> None:
    readers: list[tuple[str, str, Callable[[Any, str], list[tuple[str, Callable[[], Any]]]]]] = \
        [("s3", scan.reader.home, _buckets)]
    readers += [(service, region, reader) for region in scan.regions
                for service, reader in (("kms", _keys), ("sns", _topics), ("sqs", _queues),
                                        ("secretsmanager", _secrets), ("lambda", _functions))]
    listed = [(service, region, pool.submit(reader, scan, region)) for service, region, reader in readers]
    reads = []
    for service, region, future in listed:
        try:
            found = future.result()
        except ReadFailed as failure:
            _add(scan, service, region, f"{service}:{region}#unlisted", None, Unknown(str(failure)))
            continue
        reads += [(service, region, name, pool.submit(get)) for name, get in found]
        if service == "kms":
            reads += [("kms-grants", region, name, pool.submit(scan.reader.pages, "kms", region, "ListGrants",
                                                               "Grants", KeyId=name)) for name, _ in found]
    for service, region, name, future in reads:
        try:
            found = future.result()
        except ReadFailed as failure:
            found = None if failure.code in NO_POLICY else Unknown(str(failure))
        if service == "kms-grants":
            _grants(scan, region, name, found)
        elif found is not None:
            _add(scan, service, region, f"{name}#policy", name, found)


def _add(scan: Any, service: str, region: str, address: str, name: str | None, policy: Any) -> None:
    type_, attr = TYPES[service]
    scan.add(type_, address, {attr: name, "policy": policy}, region=region)


def _grants(scan: Any, region: str, key: str, grants: Any) -> None:
    """A key's grants as aws_kms_grant (grants cannot be read: one whose grantee may be anyone)."""
    if grants is None:
        grants = []
    elif isinstance(grants, Unknown):
        grants = [{"GrantId": "unread", "GranteePrincipal": grants, "Operations": ["Encrypt"]}]
    for grant in grants:
        scan.add("aws_kms_grant", f"{key}#grant/{grant.get('GrantId')}", {
            "key_id": key, "grantee_principal": grant.get("GranteePrincipal"),
            "retiring_principal": grant.get("RetiringPrincipal"), "operations": grant.get("Operations") or []},
            region=region)


def _buckets(scan: Any, region: str) -> list[tuple[str, Callable[[], Any]]]:
    buckets = scan.reader.pages("s3", region, "ListBuckets", "Buckets")
    return [(b["Name"], lambda b=b: scan.reader.call("s3", b.get("BucketRegion") or region, "GetBucketPolicy",
                                                     Bucket=b["Name"]).get("Policy")) for b in buckets]


def _keys(scan: Any, region: str) -> list[tuple[str, Callable[[], Any]]]:
    keys = scan.reader.pages("kms", region, "ListKeys", "Keys")
    return [(k["KeyArn"], lambda k=k: scan.reader.call("kms", region, "GetKeyPolicy", KeyId=k["KeyArn"],
                                                       PolicyName="default").get("Policy")) for k in keys]


def _topics(scan: Any, region: str) -> list[tuple[str, Callable[[], Any]]]:
    topics = scan.reader.pages("sns", region, "ListTopics", "Topics")
    return [(t["TopicArn"], lambda t=t: (scan.reader.call("sns", region, "GetTopicAttributes", TopicArn=t["TopicArn"])
                                         .get("Attributes") or {}).get("Policy")) for t in topics]


def _queues(scan: Any, region: str) -> list[tuple[str, Callable[[], Any]]]:
    queues = scan.reader.pages("sqs", region, "ListQueues", "QueueUrls")
    return [(url, lambda url=url: (scan.reader.call("sqs", region, "GetQueueAttributes", QueueUrl=url,
                                                    AttributeNames=["Policy"]).get("Attributes") or {}).get("Policy"))
            for url in queues]


def _secrets(scan: Any, region: str) -> list[tuple[str, Callable[[], Any]]]:
    secrets = scan.reader.pages("secretsmanager", region, "ListSecrets", "SecretList")
    return [(s["ARN"], lambda s=s: scan.reader.call("secretsmanager", region, "GetResourcePolicy",
                                                    SecretId=s["ARN"]).get("ResourcePolicy")) for s in secrets]


def _functions(scan: Any, region: str) -> list[tuple[str, Callable[[], Any]]]:
    functions = scan.reader.pages("lambda", region, "ListFunctions", "Functions")
    return [(f["FunctionArn"], lambda f=f: scan.reader.call("lambda", region, "GetPolicy",
                                                            FunctionName=f["FunctionArn"]).get("Policy"))
            for f in functions]
