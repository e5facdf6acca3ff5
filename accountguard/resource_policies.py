"""Resource-based policies and grants of the AWS provider (bucket, key, topic, queue,
secret policies, Lambda permissions, KMS grants, ...): which of them the account's
resources carry, and what they let a user do on their own (AG_KEY_1). Within one
account a resource policy naming a user's ARN grants without any identity policy
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html).

Which types carry one comes from the provider's schema: every managed type with a string
attribute in POLICY_ATTRIBUTES, and every type named like a grant (GRANT_NAMES);
tests/test_coverage.py checks that AG_KEY_1 classifies each."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .access import PRINCIPAL_KINDS, _caller, access_graph, key_policy, policy_of, principal_arn, topic_policy
from .iam import (NamedPrincipal, Policy, PolicyError, named_principals, parse_policy, resource_write_power,
                  wildcard_match)
from .model import SENSITIVE, Inventory, Resource, Unknown

POLICY_ATTRIBUTES = frozenset({"policy", "access_policy", "access_policies", "resource_policy", "policy_document",
                               "repository_policy", "delivery_destination_policy"})
GRANT_NAMES = re.compile(r"_(permission|permissions|grant|principal_association|allowed_principal|bucket_acl)$")

# type -> the attribute holding its IAM JSON resource policy
POLICIES = {
    "aws_acmpca_policy": "policy",
    "aws_api_gateway_domain_name": "policy",
    "aws_api_gateway_rest_api": "policy",
    "aws_api_gateway_rest_api_policy": "policy",
    "aws_backup_vault_policy": "policy",
    "aws_cloudsearch_domain_service_access_policy": "access_policy",
    "aws_cloudwatch_event_bus_policy": "policy",
    "aws_cloudwatch_log_delivery_destination_policy": "delivery_destination_policy",
    "aws_cloudwatch_log_destination_policy": "access_policy",
    "aws_codeartifact_domain_permissions_policy": "policy_document",
    "aws_codeartifact_repository_permissions_policy": "policy_document",
    "aws_codebuild_resource_policy": "policy",
    "aws_dynamodb_resource_policy": "policy",
    "aws_ecr_registry_policy": "policy",
    "aws_ecr_repository_creation_template": "repository_policy",
    "aws_ecr_repository_policy": "policy",
    "aws_ecrpublic_repository_policy": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_elasticsearch_domain": "access_policies",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_glacier_vault": "access_policy",
    "aws_glacier_vault_lock": "policy",
    "aws_glue_resource_policy": "policy",
    "aws_kinesis_resource_policy": "policy",
    "aws_kms_external_key": "policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_kms_replica_external_key": "policy",
    "aws_kms_replica_key": "policy",
    "aws_media_store_container_policy": "policy",
    "aws_msk_cluster_policy": "policy",
    "aws_networkfirewall_resource_policy": "policy",
    "aws_oam_sink_policy": "policy",
    "aws_opensearch_domain": "access_policies",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_redshift_resource_policy": "policy",
    "aws_redshiftserverless_resource_policy": "policy",
    "aws_s3_access_point": "policy",
    "aws_s3_bucket": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_s3control_access_grants_instance_resource_policy": "policy",
    "aws_s3control_access_point_policy": "policy",
    "aws_s3control_bucket_policy": "policy",
    "aws_s3control_multi_region_access_point_policy": "details.policy",
    "aws_s3control_object_lambda_access_point_policy": "policy",
    "aws_s3tables_table_bucket_policy": "resource_policy",
    "aws_s3tables_table_policy": "resource_policy",
    "aws_sagemaker_model_package_group_policy": "resource_policy",
    "aws_schemas_registry_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_ses_identity_policy": "policy",
    "aws_sesv2_email_identity_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_vpclattice_auth_policy": "policy",
    "aws_vpclattice_resource_policy": "policy",
    "aws_xray_resource_policy": "policy_document",
}

# What live mode reads that no resource of the provider holds: a Lambda function's whole policy.
LIVE_POLICIES = {"aws_lambda_function_policy": "policy"}

# Optional+computed policies: left out, AWS's default applies, and none grants a user anything.
DEFAULTS = {
    **{f"{t}.policy": "the key policy KMS gives a key created without one names only the account root "
                      "(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html), "
                      "which grants no user anything by itself"
       for t in ("aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key", "aws_kms_replica_external_key")},
    "aws_sns_topic.policy": "SNS's default topic policy lets the owner account's principals in only "
                            "through AWS:SourceOwner, and \"only the topic owner\" may publish or subscribe "
                            "(https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html)",
    "aws_s3_bucket.grant": "none: the owner alone has access (as aws_s3_bucket.acl)",
    "aws_s3_bucket.acl": "private: the owner alone has access (https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
                         "acl-overview.html, canned ACL private: \"Owner gets FULL_CONTROL. No one else has access "
                         "rights\")",
    **{f"{t}.{a}": "no resource policy (the provider reads none back while another resource sets it)"
       for t, a in (("aws_s3_bucket", "policy"), ("aws_sqs_queue", "policy"), ("aws_secretsmanager_secret", "policy"),
                    ("aws_api_gateway_rest_api", "policy"), ("aws_elasticsearch_domain", "access_policies"),
                    ("aws_opensearch_domain", "access_policies"), ("aws_s3_access_point", "policy"),
                    ("aws_api_gateway_domain_name", "policy"), ("aws_glacier_vault", "access_policy"),
                    ("aws_ecr_repository_creation_template", "repository_policy"))},
}

# The policy AWS evaluates for a key or topic: the one a separate resource sets, else its own, else
# AWS's default, which names only the owner account.
OWN_POLICY = {**{t: key_policy for t in ("aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key",
                                         "aws_kms_replica_external_key")}, "aws_sns_topic": topic_policy}

_PERMISSION = "one statement of the resource's policy, written from its arguments"
GRANTS = {  # type -> what it is read as (_GRANT_STATEMENTS)
    "aws_lambda_permission": _PERMISSION + " (Lambda AddPermission)",
    "aws_cloudwatch_event_permission": _PERMISSION + " (EventBridge PutPermission)",
    "aws_signer_signing_profile_permission": _PERMISSION + " (Signer AddProfilePermission)",
    "aws_kms_grant": "a KMS grant, which allows its operations to its grantee principal on its own",
    "aws_s3_bucket_acl": "an ACL grant to every AWS user (AllUsers, AuthenticatedUsers) reaches the user too",
}

_ACCOUNTS = "names only AWS accounts or organizations, which delegates to their IAM policies and grants a user nothing"
_WITH_IAM = "grants only together with an IAM permission the user's own policies must give: "
IRRELEVANT = {
    "aws_cloudwatch_log_resource_policy": "CloudWatch Logs enforces it for AWS services only (PutResourcePolicy: "
                                          "\"Resource policies with actions invoked by non-AWS service principals "
                                          "(such as IAM users, roles, or other AWS accounts) will not be enforced\", "
                                          "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"
                                          "API_PutResourcePolicy.html)",
    "aws_acmpca_permission": "its only valid principal is acm.amazonaws.com (provider: \"the only valid principal "
                             "is acm.amazonaws.com\")",
    "aws_lambda_layer_version_permission": "grants only lambda:GetLayerVersion (AddLayerVersionPermission), a "
                                           "Read action",
    "aws_ami_launch_permission": _ACCOUNTS,
    "aws_snapshot_create_volume_permission": _ACCOUNTS,
    "aws_network_interface_permission": _ACCOUNTS,
    "aws_licensemanager_grant": _ACCOUNTS,
    "aws_licensemanager_grant_accepter": _ACCOUNTS,
    "aws_ram_principal_association": "shares with other accounts, OUs or the organization (RAM); " + _ACCOUNTS,
    "aws_redshift_snapshot_copy_grant": "lets Redshift use a KMS key in another region; grants no principal",
    "aws_vpc_endpoint_service_allowed_principal": _WITH_IAM + "ec2:CreateVpcEndpoint to connect",
    "aws_lakeformation_permissions": _WITH_IAM + "Lake Formation permissions apply on top of IAM permissions "
                                                 "to the Glue and data APIs",
    "aws_opsworks_permission": "OpsWorks Stacks reached its end of life on May 26, 2024 and can no longer be used",
    "aws_s3control_access_grant": _WITH_IAM + "s3:GetDataAccess to obtain credentials (S3 Access Grants)",
    "aws_ecr_lifecycle_policy": "expires images; grants nothing",
    "aws_iot_policy": "an IoT Core policy, attached to IoT certificates and Cognito identities, never to IAM users",
    "aws_iot_policy_attachment": "attaches an IoT Core policy to an IoT certificate or Cognito identity",
    "aws_networkmanager_core_network_policy_attachment": "a core network's routing policy, not permissions",
    "aws_opensearchserverless_access_policy": _WITH_IAM + "aoss:APIAccessAll for data access (OpenSearch "
                                                          "Serverless data access policies)",
    "aws_opensearchserverless_lifecycle_policy": "retention of indexes; grants nothing",
    "aws_opensearchserverless_security_policy": "encryption and network access; grants nothing",
    "aws_ses_receipt_filter": "an IP address filter for incoming mail; grants nothing",
    "aws_sns_topic_data_protection_policy": "masks or audits sensitive data in messages; grants nothing",
    "aws_cloudwatch_log_account_policy": "data protection, subscription filter or field index settings; grants nothing",
    "aws_cloudwatch_log_data_protection_policy": "masks sensitive data in logs; grants nothing",
    "aws_cloudwatch_log_index_policy": "log field indexes; grants nothing",
    "aws_transfer_access": "a session policy, which only narrows a Transfer Family role",
    "aws_transfer_user": "a session policy, which only narrows a Transfer Family role",
    "aws_verifiedaccess_endpoint": "a Cedar policy for access to an application behind Verified Access, not AWS APIs",
    "aws_verifiedaccess_group": "a Cedar policy for access to applications behind Verified Access, not AWS APIs",
    "aws_vpc_endpoint": "an endpoint policy never grants: it only limits what passes the endpoint (\"does not "
                        "override or replace identity-based policies or resource-based policies\")",
    "aws_vpc_endpoint_policy": "an endpoint policy never grants (as aws_vpc_endpoint)",
}


@dataclass(frozen=True)
class ResourcePolicy:
    """A resource's policy as IAM evaluates it (or Unknown), and the resource setting it."""

    address: str
    policy: Policy | Unknown


def _named(inventory: Inventory, resource: Resource, attr: str) -> Any:
    """A principal argument, with one known only after apply that refers to one user or role
    managed here marked as naming it (as access._referenced_principals)."""
    value = resource.values.get(attr)
    if not isinstance(value, Unknown):
        return value
    targets = inventory.referenced(resource, attr, PRINCIPAL_KINDS)
    arn = principal_arn(targets[0]) if len(targets) == 1 and targets[0].mode == "managed" else None
    return NamedPrincipal(f"{value.why} (the ARN of {targets[0].address})", arn) if arn else value


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The blocks of a nested block list (a damaged value holds none)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _principal(value: Any) -> Any:
    """A principal argument (an account ID, an ARN, a service or `*`) as a Principal element."""
    if isinstance(value, Unknown) or value is SENSITIVE:
        return {"AWS": value}
    text = str(value)
    if text == "*":
        return "*"
    return {"AWS": text} if text.isdigit() or text.startswith("arn:") else {"Service": text}


def _statement(principal: Any, actions: Any, conditions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    present = {op: {k: v for k, v in keys.items() if v is not None} for op, keys in conditions.items()}
    return {"Effect": "Allow", "Principal": principal, "Action": actions, "Resource": "*",
            "Condition": {op: keys for op, keys in present.items() if keys}}


def _lambda_permission(inventory: Inventory, r: Resource) -> list[dict[str, Any]]:
    v = r.values
    return [_statement(_principal(_named(inventory, r, "principal")), v.get("action"), {
        "ArnLike": {"AWS:SourceArn": v.get("source_arn")},
        "StringEquals": {"AWS:SourceAccount": v.get("source_account"), "aws:PrincipalOrgID": v.get("principal_org_id"),
                         "lambda:EventSourceToken": v.get("event_source_token"),
                         "lambda:FunctionUrlAuthType": v.get("function_url_auth_type")}})]


def _event_permission(inventory: Inventory, r: Resource) -> list[dict[str, Any]]:
    conditions: dict[str, dict[str, Any]] = {}
    for block in _dicts(r.values.get("condition")):
        test, key = block.get("type") or "StringEquals", block.get("key")
        if not (isinstance(test, str) and isinstance(key, str)):
            return [_statement({"AWS": Unknown(f"a condition of {r.address} is known only after apply")},
                               "events:PutEvents", {})]
        conditions.setdefault(test, {})[key] = block.get("value")
    return [_statement(_principal(_named(inventory, r, "principal")), r.values.get("action") or "events:PutEvents",
                       conditions)]


def _signer_permission(inventory: Inventory, r: Resource) -> list[dict[str, Any]]:
    return [_statement(_principal(_named(inventory, r, "principal")), r.values.get("action"), {})]


def _kms_grant(inventory: Inventory, r: Resource) -> list[dict[str, Any]]:
    operations = r.values.get("operations")
    actions = operations if isinstance(operations, Unknown) else \
        [f"kms:{op}" for op in (operations if isinstance(operations, list) else ())]
    found = [_statement(_principal(_named(inventory, r, "grantee_principal")), actions, {})]
    if r.values.get("retiring_principal") is not None:
        found.append(_statement(_principal(_named(inventory, r, "retiring_principal")), "kms:RetireGrant", {}))
    return found


EVERY_USER = ("http://acs.amazonaws.com/groups/global/AllUsers",
              "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
_ACL_ACTIONS = {"WRITE": ["s3:PutObject", "s3:DeleteObject"], "WRITE_ACP": ["s3:PutBucketAcl"],
                "FULL_CONTROL": ["s3:PutObject", "s3:DeleteObject", "s3:PutBucketAcl"]}


def _bucket_acl(inventory: Inventory, r: Resource, bucket: Resource | None = None) -> list[dict[str, Any]]:
    """What an ACL grants every AWS user (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html):
    `public-read-write` lets AllUsers WRITE; a grant to AllUsers or AuthenticatedUsers its permission;
    nothing where S3 ignores public ACLs. `bucket`: the aws_s3_bucket whose own ACL it is."""
    acl = r.values.get("acl")
    if isinstance(acl, Unknown):
        found = [_statement({"AWS": acl}, "s3:PutObject", {})]
    else:
        found = [_statement("*", _ACL_ACTIONS["WRITE"], {})] if acl == "public-read-write" else []
    for policy in _dicts(r.values.get("access_control_policy")):
        for grant in _dicts(policy.get("grant")):
            grantee = next(iter(_dicts(grant.get("grantee"))), {})
            uri, permission = grantee.get("uri"), grant.get("permission")
            if isinstance(uri, Unknown) or isinstance(permission, Unknown):
                found.append(_statement({"AWS": Unknown(f"a grant of {r.address} is known only after apply")},
                                        "s3:PutObject", {}))
            elif uri in EVERY_USER and permission in _ACL_ACTIONS:
                found.append(_statement("*", _ACL_ACTIONS[permission], {}))
    ignored = _acls_ignored(inventory, r, bucket) if found else False
    if isinstance(ignored, Unknown):
        return [_statement({"AWS": ignored}, "s3:PutObject", {})]
    return [] if ignored else found


# The settings that make S3 ignore public ACLs, of the account and of a bucket, and all ACLs of a bucket.
ACL_BLOCKS = ("aws_s3_account_public_access_block", "aws_s3_bucket_public_access_block")
ACL_SETTINGS = (*ACL_BLOCKS, "aws_s3_bucket_ownership_controls")


def _acls_ignored(inventory: Inventory, r: Resource, bucket: Resource | None) -> bool | Unknown:
    """Whether S3 ignores the public ACLs of r's bucket: IgnorePublicAcls on the account or the bucket
    "causes Amazon S3 to ignore all public ACLs on this bucket" (https://docs.aws.amazon.com/AmazonS3/
    latest/userguide/access-control-block-public-access.html; AllUsers and AuthenticatedUsers grants
    are public), and with BucketOwnerEnforced "ACLs are disabled and no longer affect permissions"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html). A setting
    that may be on the bucket, or in the account, without surely being so leaves it unknown."""
    unknown: Unknown | None = None
    for setting, certain in _acl_settings(inventory, r, bucket):
        if setting.type == "aws_s3_bucket_ownership_controls":
            rules = _dicts(setting.values.get("rule"))
            value: Any = next((rule.get("object_ownership") for rule in rules), None)
            value = True if value == "BucketOwnerEnforced" else value if isinstance(value, Unknown) else False
        else:
            value = setting.values.get("ignore_public_acls")
        if value is True and certain:
            return True
        if value is True or isinstance(value, Unknown):
            unknown = Unknown(f"whether {setting.address} makes S3 ignore the public ACL of {r.address} cannot be "
                              "told (a value known only after apply, or which bucket or account it is on)")
    return unknown or False


def _acl_settings(inventory: Inventory, r: Resource, bucket: Resource | None) -> list[tuple[Resource, bool]]:
    """The settings that may be on r's bucket or its account, each with whether it surely is: one
    bucket each, both known (a setting on one of several for_each instances is not surely on this
    one); the account's own, with no other account or provider configuration in sight."""
    name = (bucket or r).values.get("bucket")
    link = None if bucket else inventory.link(r, "bucket", "aws_s3_bucket")
    buckets = [bucket] if bucket else link.resources
    placed = len(buckets) == 1 and (link is None or link.unknown is None)
    found = []
    for setting in inventory.of_type(ACL_SETTINGS[0]):
        account = setting.values.get("account_id")
        if isinstance(account, str) and inventory.account and account != inventory.account:
            continue
        found.append((setting, account in (None, inventory.account) and inventory.account is not None
                      or account is None and not inventory.facts.get("providers_may_differ")))
    for setting in (s for t in ACL_SETTINGS[1:] for s in inventory.of_type(t)):
        on = inventory.link(setting, "bucket", "aws_s3_bucket")
        same_name = isinstance(name, str) and setting.values.get("bucket") == name
        if same_name or any(b in on.resources for b in buckets):
            found.append((setting, same_name or placed and len(on.resources) == 1 and on.unknown is None))
        elif on.unknown is not None or not isinstance(name, str) and not buckets:
            found.append((setting, False))
    return found


def _inline_bucket_acl(inventory: Inventory, r: Resource) -> list[dict[str, Any]]:
    """aws_s3_bucket's own `acl` and `grant` blocks (deprecated, still applied), as _bucket_acl."""
    acl_unset, grant_unset = r.left_unset("acl"), r.left_unset("grant") or r.values.get("grant") == []
    if acl_unset and grant_unset:
        return []
    blocks = [] if grant_unset else r.values.get("grant")
    if isinstance(blocks, Unknown):
        grants = [{"grantee": [{"uri": blocks}], "permission": blocks}]
    else:
        grants = [{"grantee": [{"uri": g.get("uri")}], "permission": p} for g in _dicts(blocks)
                  for p in (g.get("permissions") if isinstance(g.get("permissions"), list) else ())]
    acl = None if acl_unset else r.values.get("acl")
    return _bucket_acl(inventory, Resource(r.address, r.type,
                                           {"acl": acl, "access_control_policy": [{"grant": grants}]}), r)


_GRANT_STATEMENTS: dict[str, Callable[[Inventory, Resource], list[dict[str, Any]]]] = {
    "aws_lambda_permission": _lambda_permission, "aws_cloudwatch_event_permission": _event_permission,
    "aws_signer_signing_profile_permission": _signer_permission, "aws_kms_grant": _kms_grant,
    "aws_s3_bucket_acl": _bucket_acl, "aws_s3_bucket": _inline_bucket_acl,
}


def _nested_policy(inventory: Inventory, resource: Resource, path: str) -> Policy | Unknown:
    """A policy in a nested block (`details.policy`), read as policy_of reads an attribute."""
    block_attr, _, attr = path.partition(".")
    if isinstance(resource.values.get(block_attr), Unknown):
        return Unknown(f"{resource.address}.{path} is known only after apply")
    return policy_of(inventory, Resource(resource.address, resource.type, dict(resource.first_block(block_attr)),
                                         references=resource.references), attr)


def resource_policies(inventory: Inventory) -> list[ResourcePolicy]:
    """Every resource policy and grant of the input, each as a policy IAM evaluates."""
    found = []
    for type_, attr in (POLICIES | (LIVE_POLICIES if inventory.kind == "live" else {})).items():
        for r in inventory.of_type(type_):
            if r.mode != "managed":
                continue
            if type_ in OWN_POLICY:
                found.append(ResourcePolicy(r.address, OWN_POLICY[type_](inventory, r)[0]))
            elif "." in attr:
                found.append(ResourcePolicy(r.address, _nested_policy(inventory, r, attr)))
            elif not r.left_unset(attr) and r.values.get(attr) != "":
                found.append(ResourcePolicy(r.address, policy_of(inventory, r, attr)))
    for type_, statements in _GRANT_STATEMENTS.items():
        for r in inventory.of_type(type_):
            if r.mode != "managed":
                continue
            made = statements(inventory, r)
            if made:
                try:
                    found.append(ResourcePolicy(r.address, parse_policy({"Statement": made}, f"{r.address}")))
                except PolicyError as exc:
                    found.append(ResourcePolicy(r.address, Unknown(str(exc))))
    return found


class PolicyIndex:
    """The resource policies by the principals they name (iam.named_principals), so that a
    caller is judged only against those that can name it: in an input stamping out one
    baseline per team, each user's against its own team's, not every team's."""

    def __init__(self, policies: list[ResourcePolicy]) -> None:
        self.policies = policies
        self.anyone: list[int] = []  # positions of those that may name any caller
        self.by_name: dict[str, list[tuple[str, int]]] = {}  # an ARN's last part -> (ARN, position)
        for position, found in enumerate(self.policies):
            named = named_principals(found.policy) if isinstance(found.policy, Policy) else None
            if named is None:
                self.anyone.append(position)
            for arn in named or ():
                self.by_name.setdefault(arn.rsplit("/", 1)[-1], []).append((arn, position))

    def naming(self, patterns: tuple[str, ...]) -> list[ResourcePolicy]:
        """Those that may name a caller whose ARNs are `patterns` (fnmatch, as Caller's), in order."""
        found = set(self.anyone)
        for pattern in (p.lower() for p in patterns):
            tail = pattern.rsplit("/", 1)[-1]
            literal = "/" in pattern and not any(c in tail for c in "*?")  # a match ends in "/" + tail
            candidates = self.by_name.get(tail, ()) if literal else (e for n in self.by_name.values() for e in n)
            found.update(position for arn, position in candidates if wildcard_match(arn, pattern))
        return [self.policies[position] for position in sorted(found)]


def resource_writer(inventory: Inventory, principal: Resource) -> tuple[str | None, str | None]:
    """Why resource policies surely let the user or role change the account on their own
    (first), or may (second)."""
    graph = access_graph(inventory)
    kind = PRINCIPAL_KINDS[principal.type]
    policies = graph.policy_set(principal.values["name"]) if kind == "user" else graph.role_policy_set(principal)
    caller = _caller(inventory, principal, kind, policies)
    maybe = None
    index = inventory.derive("resource_policy_index", lambda i: PolicyIndex(i.derive("resource_policies",
                                                                                     resource_policies)))
    for found in index.naming(caller.arns):
        if isinstance(found.policy, Unknown):
            maybe = maybe or f"the policy of {found.address} cannot be read ({found.policy.why}), and may grant it"
            continue
        power = resource_write_power(found.policy, caller)
        if isinstance(power, Unknown):
            maybe = maybe or power.why
        elif power is not None:
            return f"a resource-based policy grants it on its own: {power}", None
    return None, maybe
