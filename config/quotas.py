"""The AWS quotas and hard limits that grow with the number of services, in one place.

Each limit names its source: the quota's name in Service Quotas (adjustable on request) or the
documented hard limit. Synthesis checks every count against these and refuses a configuration
that would fail at apply, naming the quota, so the 11th Fargate profile or the 101st listener
rule is found at synth, not minutes into `terraform apply`. A raised quota is a code change
here, reviewed like any other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    limit: int
    source: str  # "<service>: <quota name as in Service Quotas or the docs>"

    def check(self, count: int, counted: str, *, field: str = "") -> None:
        """Raises ValueError as '[field: ]<count> <counted> exceed the limit of N (quota)'."""
        if count > self.limit:
            prefix = f"{field}: " if field else ""
            raise ValueError(f"{prefix}{count} {counted} exceed the limit of {self.limit} ({self.source})")


# Amazon EKS (docs: "View and manage Amazon EKS and Fargate service quotas"; the last two are
# hard limits of the CreateFargateProfile API).
FARGATE_PROFILES_PER_CLUSTER = Quota(10, "Amazon EKS quota 'Fargate profiles per cluster'")
SELECTORS_PER_FARGATE_PROFILE = Quota(5, "Amazon EKS quota 'Selectors per Fargate profile'")
LABELS_PER_FARGATE_SELECTOR = Quota(5, "Amazon EKS quota 'Label pairs per Fargate profile selector'")

# IAM, per account (an account holding several environments shares it: the check is per environment).
IAM_ROLES_PER_ACCOUNT = Quota(1000, "IAM quota 'Roles per account'")

# Amazon ECR, per region.
ECR_REPOSITORIES_PER_REGION = Quota(10_000, "Amazon ECR quota 'Registered repositories per Region'")

# Elastic Load Balancing (docs: "Quotas for your Application Load Balancers").
ALB_LISTENER_RULES = Quota(100, "Elastic Load Balancing quota 'Rules per Application Load Balancer' (excluding default rules)")
ALB_TARGET_GROUPS = Quota(100, "Elastic Load Balancing quota 'Target Groups per Application Load Balancer'")
ALBS_PER_REGION = Quota(50, "Elastic Load Balancing quota 'Application Load Balancers per Region'")

# VPC: security groups on one network interface (a Fargate pod has one ENI). A service's pods get
# its own group and the shared pods group (workloads/pod_security_groups.py checks), 2 of these 5.
SECURITY_GROUPS_PER_ENI = Quota(5, "Amazon VPC quota 'Security groups per network interface'")

# Secrets Manager and CloudWatch Logs, per region: far above 100 services, checked for completeness.
SECRETS_PER_REGION = Quota(500_000, "AWS Secrets Manager quota 'Secrets per Region'")
LOG_GROUPS_PER_REGION = Quota(1_000_000, "CloudWatch Logs quota 'Log groups per Region'")

# Helm: a release name is stored in a Secret label with a revision suffix (helm/helm: 53 characters).
HELM_RELEASE_NAME_MAX = 53
# IAM: role names are at most 64 characters (IAM hard limit, CreateRole).
IAM_ROLE_NAME_MAX = 64
# IAM: user names at most 64 characters, paths at most 512 (IAM hard limits, CreateUser and CreateRole;
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "IAM name requirements"; taken 2026-12-05).
IAM_USER_NAME_MAX = 64
IAM_PATH_MAX = 512

# IAM: "Role policy size", the aggregate of a role's inline policies in characters, whitespace not counted
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "IAM and AWS STS quotas"; taken
# 2026-12-05). Each service role has one inline policy (eks_platform/irsa.py); config/limits.py bounds its size.
IAM_ROLE_INLINE_POLICY_CHARACTERS = Quota(10_240, "IAM quota 'Role policy size' (inline policies of a role, whitespace excluded)")

# Amazon VPC: rules per security group, 60 inbound and 60 outbound IPv4 by default (adjustable; the product with
# 'Security groups per network interface' may not exceed 1,000): https://docs.aws.amazon.com/vpc/latest/userguide/
# amazon-vpc-limits.html, "Security groups"; taken 2026-12-05.
SECURITY_GROUP_INBOUND_RULES = Quota(60, "Amazon VPC quota 'Inbound rules per security group'")
SECURITY_GROUP_OUTBOUND_RULES = Quota(60, "Amazon VPC quota 'Outbound rules per security group'")
# EKS creates the cluster security group with one inbound rule of its own (all traffic from itself):
# https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html; taken 2026-12-05.
EKS_CLUSTER_SECURITY_GROUP_OWN_RULES = 1
