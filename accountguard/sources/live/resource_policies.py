"""The resource-based policies live mode reads (AG_KEY_1: what they grant a user on their own), each
as the resource a plan sets it with (`aws_s3_bucket_policy`, `aws_ecr_repository_policy`, ...), so
that one code judges both; KMS grants as `aws_kms_grant`, S3 ACLs as `aws_s3_bucket_acl`. SOURCES
says which, and docs/coverage.md lists the provider's policy types it leaves unread in live mode.
A policy that cannot be read, or resources that cannot be listed, are a resource whose policy is
Unknown: an error for the keys whose verdict it would decide, never a pass. (A key's or a topic's
policy is also what access.key_policy and topic_policy find for the trail and alarm controls.)
Calls grow with regions and resources, never with users."""
from __future__ import annotations

import json
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Callable

from ...model import Unknown
from ...resource_policies import ACL_BLOCKS, EVERY_USER
from .reader import ReadFailed

Listing = list[tuple[str, Callable[[], Any]]]  # each resource's name, and how to read what it holds
# Pages as large as the call allows: without MaxResults ListQueues stops at 1,000 queues and returns
# no NextToken; without MaxBuckets ListBuckets is refused above 10,000 buckets and omits BucketRegion.
_PAGE = {"PageSize": 1000}


@dataclass(frozen=True)
class PolicySource:
    """One kind of resource policy: the plan type and attributes it is read as, the botocore service
    whose regions hold it, and how to list its resources (`list(scan, region)`)."""

    type: str
    name: str  # the attribute naming the resource
    attr: str  # the attribute holding the policy
    service: str
    list: Callable[[Any, str], Listing]
    covers: tuple[str, ...] = ()  # the provider's other types that set this same policy
    everywhere: bool = False  # one listing of the home region covers every region (S3)
    no_policy: frozenset[str] = frozenset()  # the error codes of its get call meaning "has none"

    def values(self, name: str, found: Any) -> dict[str, Any]:
        return {self.name: name, self.attr: found}


def _at(found: Any, path: str) -> Any:
    for key in path.split("."):
        found = found.get(key) if isinstance(found, dict) else None
    return found


def _listed(service: str, operation: str, key: str, name: str, get: str | None = None,
            params: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None, policy: str = "Policy",
            **listing: Any) -> Callable[[Any, str], Listing]:
    """A lister: `operation`'s items under `key`, each named by its `name` field; its policy at
    `policy` in the item itself, or in the response to `get` with `params(item)`."""
    def lister(scan: Any, region: str) -> Listing:
        items = scan.listed(service, region, operation, key,
                            **{k: v(scan) if callable(v) else v for k, v in listing.items()})
        if get is None:
            return [(item[name], lambda item=item: _at(item, policy)) for item in items]
        return [(item[name], lambda item=item: _at(scan.read(service, region, get, **params(item, scan)),
                                                   policy)) for item in items]
    return lister


def _single(service: str, operation: str, policy: str, name: str) -> Callable[[Any, str], Listing]:
    """A lister of a region's one policy (a registry's, a catalog's)."""
    return lambda scan, region: [(name, lambda: _at(scan.reader.call(service, region, operation), policy))]


def _escaped(policy: Any) -> Any:
    """API Gateway returns a REST API's policy as a JSON string escaped once more (the provider
    unquotes it: flattenAPIPolicy)."""
    if not isinstance(policy, str):
        return policy
    try:
        return json.loads(f'"{policy}"')
    except ValueError:
        return policy


def _rest_apis(scan: Any, region: str) -> Listing:
    apis = scan.listed("apigateway", region, "GetRestApis", "items")
    return [(api["id"], lambda api=api: _escaped(api.get("policy"))) for api in apis]


def _buckets(scan: Any, region: str) -> Listing:
    buckets = scan.listed("s3", region, "ListBuckets", "Buckets", PaginationConfig=_PAGE)
    return [(b["Name"], lambda b=b: scan.reader.call("s3", b.get("BucketRegion") or region, "GetBucketPolicy",
                                                     Bucket=b["Name"]).get("Policy")) for b in buckets]


def _bucket_acls(scan: Any, region: str) -> Listing:
    buckets = scan.listed("s3", region, "ListBuckets", "Buckets", PaginationConfig=_PAGE)
    return [(b["Name"], lambda b=b: _bucket_acl(scan, b["Name"], b.get("BucketRegion") or region)) for b in buckets]


def _bucket_acl(scan: Any, bucket: str, region: str) -> list[dict[str, Any]]:
    """A bucket's ACL grants; where one is public, also the bucket's public access block, which may
    make S3 ignore it (resource_policies._acls_ignored)."""
    grants = scan.reader.call("s3", region, "GetBucketAcl", Bucket=bucket).get("Grants") or []
    if any((g.get("Grantee") or {}).get("URI") in EVERY_USER for g in grants):
        _public_access_block(scan, ACL_BLOCKS[1], f"{bucket}#public-access-block", region, "s3",
                             "GetPublicAccessBlock", {"bucket": bucket}, Bucket=bucket)
    return grants


def _public_access_block(scan: Any, type_: str, address: str, region: str, service: str, operation: str,
                         values: dict[str, Any], **params: Any) -> None:
    """An account's or a bucket's public access block, as the provider's resource (none: not set)."""
    try:
        found = scan.reader.call(service, region, operation, **params).get("PublicAccessBlockConfiguration") or {}
        ignore: Any = found.get("IgnorePublicAcls") is True
    except ReadFailed as failure:
        if failure.code == "NoSuchPublicAccessBlockConfiguration":
            return
        ignore = Unknown(str(failure))
    scan.add(type_, address, {**values, "ignore_public_acls": ignore}, region=region)


class _AclSource(PolicySource):
    def values(self, name: str, found: Any) -> dict[str, Any]:
        """GetBucketAcl's grants as aws_s3_bucket_acl's access_control_policy (an unread ACL as its `acl`)."""
        if isinstance(found, Unknown):
            return {"bucket": name, "acl": found}
        grants = [{"grantee": [{"uri": grantee.get("URI"), "type": grantee.get("Type")}],
                   "permission": g.get("Permission")} for g in found for grantee in [g.get("Grantee") or {}]]
        return {"bucket": name, "access_control_policy": [{"grant": grants}]}


def _functions(scan: Any, region: str) -> Listing:
    """Each function's policy and each published version's and alias's own: a permission added with a
    Qualifier is on that version or alias only (AddPermission)."""
    versions = scan.listed("lambda", region, "ListFunctions", "Functions", FunctionVersion="ALL")
    arns = [f["FunctionArn"].removesuffix(":$LATEST") for f in versions]
    arns += [a["AliasArn"] for f in versions if f.get("Version") == "$LATEST"
             for a in scan.reader.pages("lambda", region, "ListAliases", "Aliases", FunctionName=f["FunctionName"])]
    return [(arn, lambda arn=arn: scan.reader.call("lambda", region, "GetPolicy", FunctionName=arn).get("Policy"))
            for arn in arns]


def _table_arn(table: str, scan: Any, region: str) -> str:
    return f"arn:{scan.partition}:dynamodb:{region}:{scan.account_id}:table/{table}"


def _tables(scan: Any, region: str) -> Listing:
    tables = scan.listed("dynamodb", region, "ListTables", "TableNames")
    return [(_table_arn(t, scan, region), lambda t=t: scan.reader.call(
        "dynamodb", region, "GetResourcePolicy", ResourceArn=_table_arn(t, scan, region)).get("Policy"))
        for t in tables]


def _certificate_authorities(scan: Any, region: str) -> Listing:
    """Private CAs, but deleted ones (restorable for a while, not usable: GetPolicy refuses them)."""
    found = scan.listed("acm-pca", region, "ListCertificateAuthorities", "CertificateAuthorities")
    return [(ca["Arn"], lambda ca=ca: scan.reader.call("acm-pca", region, "GetPolicy", ResourceArn=ca["Arn"])
             .get("Policy")) for ca in found if ca.get("Status") != "DELETED"]


_VAULTS = {"accountId": "-"}  # Glacier: the caller's own account

SOURCES = (
    PolicySource("aws_s3_bucket_policy", "bucket", "policy", "s3", _buckets, ("aws_s3_bucket",), everywhere=True),
    # GetBucketAcl of a bucket whose ownership is BucketOwnerEnforced grants the owner only
    _AclSource("aws_s3_bucket_acl", "bucket", "access_control_policy", "s3", _bucket_acls,
               ("aws_s3_bucket", "aws_s3_bucket_ownership_controls"), everywhere=True),
    PolicySource("aws_kms_key_policy", "key_id", "policy", "kms", _listed(
        "kms", "ListKeys", "Keys", "KeyArn", "GetKeyPolicy", lambda k, _: {"KeyId": k["KeyArn"],
                                                                          "PolicyName": "default"}),
                 ("aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key", "aws_kms_replica_external_key")),
    PolicySource("aws_sns_topic_policy", "arn", "policy", "sns", _listed(
        "sns", "ListTopics", "Topics", "TopicArn", "GetTopicAttributes", lambda t, _: {"TopicArn": t["TopicArn"]},
        "Attributes.Policy"), ("aws_sns_topic",)),
    PolicySource("aws_sqs_queue_policy", "queue_url", "policy", "sqs", lambda scan, region: [
        (url, lambda url=url: _at(scan.reader.call("sqs", region, "GetQueueAttributes", QueueUrl=url,
                                                   AttributeNames=["Policy"]), "Attributes.Policy"))
        for url in scan.listed("sqs", region, "ListQueues", "QueueUrls", PaginationConfig=_PAGE)], ("aws_sqs_queue",)),
    PolicySource("aws_secretsmanager_secret_policy", "secret_arn", "policy", "secretsmanager", _listed(
        "secretsmanager", "ListSecrets", "SecretList", "ARN", "GetResourcePolicy", lambda s, _: {"SecretId": s["ARN"]},
        "ResourcePolicy"), ("aws_secretsmanager_secret",)),
    PolicySource("aws_lambda_function_policy", "function_name", "policy", "lambda", _functions,
                 ("aws_lambda_permission",)),
    PolicySource("aws_ecr_repository_policy", "repository", "policy", "ecr", _listed(
        "ecr", "DescribeRepositories", "repositories", "repositoryArn", "GetRepositoryPolicy",
        lambda r, _: {"repositoryName": r["repositoryName"]}, "policyText")),
    PolicySource("aws_ecr_registry_policy", "registry_id", "policy", "ecr",
                 _single("ecr", "GetRegistryPolicy", "policyText", "registry")),
    PolicySource("aws_api_gateway_rest_api_policy", "rest_api_id", "policy", "apigateway", _rest_apis,
                 ("aws_api_gateway_rest_api",)),
    PolicySource("aws_efs_file_system_policy", "file_system_id", "policy", "efs", _listed(
        "efs", "DescribeFileSystems", "FileSystems", "FileSystemArn", "DescribeFileSystemPolicy",
        lambda f, _: {"FileSystemId": f["FileSystemId"]})),
    PolicySource("aws_opensearch_domain_policy", "domain_name", "access_policies", "opensearch", _listed(
        "opensearch", "ListDomainNames", "DomainNames", "DomainName", "DescribeDomain",
        lambda d, _: {"DomainName": d["DomainName"]}, "DomainStatus.AccessPolicies"),
        ("aws_opensearch_domain", "aws_elasticsearch_domain", "aws_elasticsearch_domain_policy")),
    PolicySource("aws_cloudwatch_event_bus_policy", "event_bus_name", "policy", "events", _listed(
        "events", "ListEventBuses", "EventBuses", "Arn"), ("aws_cloudwatch_event_permission",)),
    PolicySource("aws_s3control_access_point_policy", "access_point_arn", "policy", "s3control", _listed(
        "s3control", "ListAccessPoints", "AccessPointList", "AccessPointArn", "GetAccessPointPolicy",
        lambda a, scan: {"AccountId": scan.account_id, "Name": a["Name"]}, AccountId=lambda scan: scan.account_id,
        DataSourceType="ALL"),
        ("aws_s3_access_point",)),
    PolicySource("aws_cloudwatch_log_destination_policy", "destination_name", "access_policy", "logs", _listed(
        "logs", "DescribeDestinations", "destinations", "arn", policy="accessPolicy")),
    PolicySource("aws_dynamodb_resource_policy", "resource_arn", "policy", "dynamodb", _tables,
                 no_policy=frozenset({"PolicyNotFoundException"})),  # ResourceNotFound: "might not be ACTIVE"
    PolicySource("aws_glue_resource_policy", "catalog", "policy", "glue",
                 _single("glue", "GetResourcePolicy", "PolicyInJson", "catalog")),
    PolicySource("aws_backup_vault_policy", "backup_vault_name", "policy", "backup", _listed(
        "backup", "ListBackupVaults", "BackupVaultList", "BackupVaultArn", "GetBackupVaultAccessPolicy",
        lambda v, _: {"BackupVaultName": v["BackupVaultName"]})),
    PolicySource("aws_glacier_vault", "name", "access_policy", "glacier", _listed(
        "glacier", "ListVaults", "VaultList", "VaultARN", "GetVaultAccessPolicy",
        lambda v, _: {**_VAULTS, "vaultName": v["VaultName"]}, "policy.Policy", **_VAULTS)),
    PolicySource("aws_glacier_vault_lock", "vault_name", "policy", "glacier", _listed(
        "glacier", "ListVaults", "VaultList", "VaultARN", "GetVaultLock",
        lambda v, _: {**_VAULTS, "vaultName": v["VaultName"]}, **_VAULTS)),
    PolicySource("aws_acmpca_policy", "resource_arn", "policy", "acm-pca", _certificate_authorities),
)
READ_TYPES = sorted({s.type for s in SOURCES} | {"aws_kms_grant", *ACL_BLOCKS})
COVERED = frozenset(READ_TYPES) | {t for s in SOURCES for t in s.covers}  # the provider's types live mode reads
# the resource has none (or no longer exists, or the service is closed to the account: Glacier),
# for the sources that name no codes of their own
NO_POLICY = {"NoSuchBucketPolicy", "ResourceNotFoundException", "RepositoryPolicyNotFoundException",
             "RegistryPolicyNotFoundException", "PolicyNotFound", "PolicyNotFoundException",
             "NoSuchAccessPointPolicy", "EntityNotFoundException", "NoLongerSupportedException"}


def read(scan: Any, pool: Executor) -> None:
    account_block = pool.submit(_public_access_block, scan, ACL_BLOCKS[0], f"{scan.account_id}#public-access-block",
                                scan.reader.home, "s3control", "GetPublicAccessBlock", {"account_id": scan.account_id},
                                AccountId=scan.account_id)
    listed = [(source, region, pool.submit(source.list, scan, region))
              for source in SOURCES for region in _regions(scan, source)]
    reads = []
    for source, region, future in listed:
        try:
            found = future.result()
        except ReadFailed as failure:
            if failure.code != "NoLongerSupportedException":
                scan.add(source.type, f"{source.type}:{region}#unlisted", source.values(None, Unknown(str(failure))),
                         region=region)
            continue
        reads += [(source, region, name, pool.submit(get)) for name, get in found]
        if source.type == "aws_kms_key_policy":
            reads += [(None, region, name, pool.submit(scan.reader.pages, "kms", region, "ListGrants",
                                                       "Grants", KeyId=name)) for name, _ in found]
    for source, region, name, future in reads:
        try:
            found = future.result()
        except ReadFailed as failure:
            found = None if failure.code in ((source and source.no_policy) or NO_POLICY) else Unknown(str(failure))
        if source is None:
            _grants(scan, region, name, found)
        elif found not in (None, ""):
            where = name if ":" in name or source.everywhere else f"{source.service}:{region}:{name}"
            suffix = "#acl" if source.type == "aws_s3_bucket_acl" else "#policy"
            scan.add(source.type, where + suffix, source.values(name, found), region=region)
    account_block.result()


def _regions(scan: Any, source: PolicySource) -> list[str]:
    """The scan's regions botocore's endpoint data offers the service in (Glacier is in fewer)."""
    if source.everywhere:
        return [scan.reader.home]
    offered = set(scan.reader.session.get_available_regions(source.service, partition_name=scan.partition))
    return [r for r in scan.regions if r in offered]


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
