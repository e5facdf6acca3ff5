"""What the IAM controls make of the AWS provider's IAM and Organizations types
(docs/coverage.md), in one place: the types that decide which policies reach a user
(accountguard/access.py) and why the others cannot change an IAM verdict."""
from ..resource_policies import ACL_SETTINGS, GRANTS, POLICIES
from . import Coverage

FAMILIES = ("aws_iam_*", "data.aws_iam_*", "aws_organizations_polic*", "data.aws_organizations_polic*",
            "aws_cloudformation_*", "data.aws_cloudformation_*", "aws_cloudcontrolapi_*", "data.aws_cloudcontrolapi_*",
            "aws_serverlessapplicationrepository_cloudformation_stack")

# Other services that make IAM users, keys and policies from a template (access.iam_made_elsewhere).
ELSEWHERE = ("aws_cloudformation_stack", "aws_cloudformation_stack_set",
             "aws_serverlessapplicationrepository_cloudformation_stack", "aws_cloudcontrolapi_resource")
ELSEWHERE_DEFAULTS = {f"{t}.capabilities": "none acknowledged: a template makes no IAM resource without "
                                           "CAPABILITY_IAM or CAPABILITY_NAMED_IAM (CloudFormation CreateStack)"
                      for t in ELSEWHERE[:3]}

# What shows, or leaves open, that the input is its organization's management account, whose users
# and roles SCPs never restrict (access.management_account).
MANAGEMENT = ("aws_organizations_organization", "aws_organizations_account", "data.aws_organizations_organization")

# Every way the aws provider 5.x attaches a policy, sets a membership or a boundary, and whether SCPs hold.
ACCESS = ("aws_iam_user", "aws_iam_group", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy",
          "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_policy_attachment",
          "aws_iam_user_policy_attachments_exclusive", "aws_iam_group_policy_attachments_exclusive",
          "aws_iam_user_policies_exclusive", "aws_iam_group_policies_exclusive",
          "aws_iam_user_group_membership", "aws_iam_group_membership", "aws_organizations_policy",
          "aws_organizations_policy_attachment", "data.aws_organizations_policy", "data.aws_iam_policy_document",
          "data.aws_iam_policy") + MANAGEMENT

# Every way a role gets its trust policy, permissions and boundary (AG_KEY_1: roles a user can assume).
ROLES = ("aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_role_policies_exclusive",
         "aws_iam_role_policy_attachments_exclusive")

# Resource-based policies and grants (AG_KEY_1: what they give a user on their own).
RESOURCE_POLICIES = tuple(POLICIES) + tuple(GRANTS) + ACL_SETTINGS

_ROLE = "a role's permissions reach a user only by assuming the role, which aws_iam_role's trust policy decides"
_LOOKUP = "looks up something managed elsewhere"
IRRELEVANT = {
    "aws_iam_account_alias": "names the account",
    "aws_iam_account_password_policy": "passwords (AG_PWD_1), not policies",
    "aws_iam_organizations_features": "root credentials management (AG_ROOT_1..3, live)",
    "aws_iam_security_token_service_preferences": "the version of STS tokens",
    "aws_iam_server_certificate": "TLS certificates for load balancers",
    "aws_iam_signing_certificate": "X.509 certificates of legacy SOAP APIs, not policies",
    "aws_iam_service_specific_credential": "a password for one service (CodeCommit, Keyspaces), not policies",
    "aws_iam_user_ssh_key": "an SSH key for CodeCommit, not policies",
    "aws_iam_user_login_profile": "a console password (AG_MFA_3, live), not policies",
    "aws_iam_virtual_mfa_device": "an MFA device; whether MFA is used is a request context IAM evaluates",
    "aws_iam_instance_profile": "hands a role to EC2 instances, not to users",
    "aws_iam_openid_connect_provider": "federation into roles, not users",
    "aws_iam_saml_provider": "federation into roles, not users",
    "aws_iam_service_linked_role": "only the AWS service can assume it",
    "aws_iam_role_policy": _ROLE,
    "aws_iam_role_policy_attachment": _ROLE,
    "aws_iam_role_policies_exclusive": _ROLE,
    "aws_iam_role_policy_attachments_exclusive": _ROLE,
    "data.aws_iam_account_alias": _LOOKUP,
    "data.aws_iam_access_keys": _LOOKUP + ": keys Terraform does not manage are judged live",
    "data.aws_iam_group": _LOOKUP + ": a user in a group not managed in the plan is an error (its policies "
                                    "cannot be seen)",
    "data.aws_iam_user": _LOOKUP + ": a key of a user not managed in the plan is an error",
    "data.aws_iam_users": _LOOKUP,
    "data.aws_iam_role": _LOOKUP,
    "data.aws_iam_roles": _LOOKUP,
    "data.aws_iam_instance_profile": _LOOKUP,
    "data.aws_iam_instance_profiles": _LOOKUP,
    "data.aws_iam_openid_connect_provider": _LOOKUP,
    "data.aws_iam_saml_provider": _LOOKUP,
    "data.aws_iam_server_certificate": _LOOKUP,
    "data.aws_iam_session_context": _LOOKUP,
    "data.aws_iam_user_ssh_key": _LOOKUP,
    "data.aws_iam_principal_policy_simulation": "asks IAM's simulator at plan time; changes nothing",
    "data.aws_organizations_policies": _LOOKUP + "; SCPs not attached in the plan are not counted (they only "
                                                 "take power away, and an MFA Deny must be seen to count)",
    "data.aws_organizations_policies_for_target": _LOOKUP + "; as data.aws_organizations_policies",
    "aws_cloudformation_stack_instances": "deploys a stack set, whose template is judged on aws_cloudformation_stack_set",
    "aws_cloudformation_stack_set_instance": "deploys a stack set, whose template is judged on "
                                             "aws_cloudformation_stack_set",
    "aws_cloudformation_type": "registers a resource type templates may use; makes nothing itself",
    "data.aws_cloudformation_export": _LOOKUP,
    "data.aws_cloudformation_stack": _LOOKUP,
    "data.aws_cloudformation_type": _LOOKUP,
    "data.aws_cloudcontrolapi_resource": _LOOKUP,
}


def coverage(read: tuple[str, ...], irrelevant: dict[str, str] | None = None,
             defaults: dict[str, str] | None = None) -> Coverage:
    """A coverage over the IAM families: `read` is read; every other family type is
    irrelevant, for the reason given here or in IRRELEVANT."""
    reasons = {**IRRELEVANT, **(irrelevant or {})}
    return Coverage(families=FAMILIES, read=read, defaults=defaults or {},
                    irrelevant={t: why for t, why in reasons.items() if t not in read})
