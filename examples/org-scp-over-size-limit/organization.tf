# The baseline's guardrails, grown over time into one SCP: besides the four
# Denies accountguard asks for, a region restriction (AWS's example, with the
# global services it must leave open), and Denies protecting Config, Security
# Hub, Access Analyzer, VPC flow logs, S3 Block Public Access and the
# organization's own roles. Every statement is valid; together they are far over
# the 5,120 characters AWS Organizations accepts for an SCP, so CreatePolicy
# refuses it and the attachment never happens.
resource "aws_organizations_organization" "this" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "workloads"
  parent_id = aws_organizations_organization.this.roots[0].id
}

resource "aws_organizations_account" "workload" {
  name      = "workload"
  email     = "aws-workload@example.com"
  parent_id = aws_organizations_organizational_unit.workloads.id
}

locals {
  # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html
  global_services = [
    "a4b:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*", "budgets:*", "ce:*",
    "chime:*", "cloudfront:*", "config:*", "cur:*", "directconnect:*", "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*", "globalaccelerator:*", "health:*", "iam:*",
    "importexport:*", "kms:*", "mobileanalytics:*", "networkmanager:*", "organizations:*", "pricing:*",
    "route53:*", "route53domains:*", "route53-recovery-cluster:*", "route53-recovery-control-config:*",
    "route53-recovery-readiness:*", "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*", "shield:*", "sts:*", "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*",
    "wafv2:*", "wellarchitected:*",
  ]
  organization_roles = [
    "arn:aws:iam::*:role/OrganizationAccountAccessRole",
    "arn:aws:iam::*:role/AWSControlTowerExecution",
    "arn:aws:iam::*:role/stacksets-exec-*",
    "arn:aws:iam::*:role/security-audit",
    "arn:aws:iam::*:role/security-incident-response",
    "arn:aws:iam::*:role/network-administration",
  ]
}

data "aws_iam_policy_document" "guardrails" {
  statement {
    sid       = "DenyLeavingTheOrganization"
    effect    = "Deny"
    actions   = ["organizations:LeaveOrganization"]
    resources = ["*"]
  }
  statement {
    sid       = "DenyStoppingCloudTrail"
    effect    = "Deny"
    actions   = ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]
    resources = ["*"]
  }
  statement {
    sid    = "DenyDisablingGuardDuty"
    effect = "Deny"
    actions = [
      "guardduty:DeleteDetector",
      "guardduty:DisassociateFromAdministratorAccount",
      "guardduty:DisassociateFromMasterAccount",
      "guardduty:UpdateDetector",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "DenyRootUser"
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "StringLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:root"]
    }
  }
  statement {
    sid         = "DenyOutsideApprovedRegions"
    effect      = "Deny"
    not_actions = local.global_services
    resources   = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1", "eu-central-1", "us-east-1"]
    }
  }
  statement {
    sid    = "DenyChangingConfig"
    effect = "Deny"
    actions = [
      "config:DeleteConfigRule",
      "config:DeleteConfigurationRecorder",
      "config:DeleteDeliveryChannel",
      "config:DeleteEvaluationResults",
      "config:DeleteRetentionConfiguration",
      "config:PutConfigurationRecorder",
      "config:PutDeliveryChannel",
      "config:PutRetentionConfiguration",
      "config:StopConfigurationRecorder",
    ]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
  statement {
    sid    = "DenyDisablingSecurityHub"
    effect = "Deny"
    actions = [
      "securityhub:BatchDisableStandards",
      "securityhub:DeleteActionTarget",
      "securityhub:DeleteInsight",
      "securityhub:DeleteMembers",
      "securityhub:DisableImportFindingsForProduct",
      "securityhub:DisableSecurityHub",
      "securityhub:DisassociateFromAdministratorAccount",
      "securityhub:DisassociateFromMasterAccount",
      "securityhub:DisassociateMembers",
      "securityhub:UpdateStandardsControl",
    ]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
  statement {
    sid    = "DenyDeletingAccessAnalyzer"
    effect = "Deny"
    actions = [
      "access-analyzer:DeleteAnalyzer",
      "access-analyzer:DeleteArchiveRule",
      "access-analyzer:UpdateArchiveRule",
    ]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
  statement {
    sid    = "DenyDeletingFlowLogs"
    effect = "Deny"
    actions = [
      "ec2:DeleteFlowLogs",
      "logs:DeleteLogGroup",
      "logs:DeleteLogStream",
      "logs:DeleteRetentionPolicy",
      "logs:DisassociateKmsKey",
      "logs:PutRetentionPolicy",
    ]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
  statement {
    sid    = "DenyS3PublicAccessChanges"
    effect = "Deny"
    actions = [
      "s3:PutAccountPublicAccessBlock",
      "s3:DeleteAccountPublicAccessBlock",
      "s3:PutBucketPublicAccessBlock",
      "s3:DeleteBucketPublicAccessBlock",
    ]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
  statement {
    sid    = "DenyChangingOrganizationRoles"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = local.organization_roles
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
  statement {
    sid       = "DenyCreatingIAMUsers"
    effect    = "Deny"
    actions   = ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]
    resources = ["*"]
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.organization_roles
    }
  }
}

resource "aws_organizations_policy" "guardrails" {
  name    = "guardrails"
  type    = "SERVICE_CONTROL_POLICY"
  content = data.aws_iam_policy_document.guardrails.json
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.guardrails.id
  target_id = aws_organizations_organization.this.roots[0].id
}
