"""The EKS control plane: version, logging, secrets encryption, endpoint access, access entries."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cdktf import Fn
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import EksAccessPolicyAssociation
from cdktf_cdktf_provider_aws.eks_cluster import (
    EksCluster,
    EksClusterAccessConfig,
    EksClusterEncryptionConfig,
    EksClusterEncryptionConfigProvider,
    EksClusterVpcConfig,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from app_support.checkov_skips import skip_checks
from config.access import principal_key, team_group
from config.model import EndpointAccess
from eks_platform.context import AwsContext
from eks_platform.policy import Statement, policy_document

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
ACCESS_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/{name}"


def source_key(source: str) -> str:
    """A Terraform-safe name for a CIDR or security group id: 198.51.100.0/24 -> 198_51_100_0_24."""
    return re.sub(r"[^A-Za-z0-9-]", "_", source)


class Cluster(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        aws: AwsContext,
        name: str,
        version: str,
        endpoint: EndpointAccess,
        subnet_ids: Sequence[str],
        secrets_key: KmsKey,
        log_group: CloudwatchLogGroup,
        admin_arns: Sequence[str] = (),
        viewer_arns: Sequence[str] = (),
        namespace_editors: Mapping[str, Sequence[str]] | None = None,
        access_api: bool = True,
    ) -> None:
        """`access_api=False` (an emulator without the EKS access API) leaves out the access config and entries.
        `namespace_editors` maps a principal to the namespaces of its services (a service team): its access entry
        carries their Kubernetes groups, bound to the service-team Role there (workloads/team_access.py)."""
        super().__init__(scope, id_)
        trust = policy_document(
            self, "cluster_trust", [Statement(actions=["sts:AssumeRole", "sts:TagSession"], principals={"Service": ["eks.amazonaws.com"]})]
        )
        self.role = IamRole(self, "cluster_role", name=f"{name}-cluster", assume_role_policy=trust.json)
        managed = IamRolePolicyAttachment(
            self, "cluster_policy", role=self.role.name, policy_arn=f"arn:{aws.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
        )
        key_use = policy_document(
            self,
            "cluster_secrets_key_use",
            [Statement(actions=["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], resources=[secrets_key.arn])],
        )
        key_grant = IamRolePolicy(
            self, "cluster_secrets_key_grant", role=self.role.id, name="encrypt-kubernetes-secrets", policy=key_use.json
        )

        self.cluster = EksCluster(
            self,
            "cluster",
            name=name,
            version=version,
            role_arn=self.role.arn,
            vpc_config=EksClusterVpcConfig(
                subnet_ids=list(subnet_ids),
                endpoint_private_access=True,
                endpoint_public_access=endpoint.public,
                public_access_cidrs=list(endpoint.public_cidrs) if endpoint.public else None,
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            encryption_config=EksClusterEncryptionConfig(
                resources=["secrets"], provider=EksClusterEncryptionConfigProvider(key_arn=secrets_key.arn)
            ),
            # Access entries only: no aws-auth ConfigMap, and nobody is admin by accident of creating it.
            access_config=(
                EksClusterAccessConfig(authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False) if access_api else None
            ),
            # The log group must exist before EKS writes to it, else EKS creates one without retention or KMS.
            depends_on=[log_group, managed, key_grant],
        )

        if access_api:
            self._grant_access(aws, admin_arns, viewer_arns, namespace_editors or {})
        self._admit_to_private_endpoint(endpoint)
        if endpoint.public:
            # Only CKV_AWS_39 (public endpoint on) is skipped. CKV_AWS_38 (public endpoint open to
            # 0.0.0.0/0) is never skipped: with listed CIDRs it passes, and a world-open endpoint fails it.
            reason = (
                f"the public endpoint is on by configuration (endpoint.public) and admits only endpoint.public_cidrs "
                f"({', '.join(endpoint.public_cidrs)}), the private endpoint is on too"
            )
            skip_checks(self.cluster, {"CKV_AWS_39": reason})

    @property
    def oidc_issuer_url(self) -> str:
        return self.cluster.identity.get(0).oidc.get(0).issuer

    @property
    def oidc_issuer_host_path(self) -> str:
        """The issuer without its scheme: the prefix of IRSA condition keys."""
        return Fn.replace(self.oidc_issuer_url, "https://", "")

    def _admit_to_private_endpoint(self, endpoint: EndpointAccess) -> None:
        """HTTPS to the API from the configured networks and security groups (VPN, bastion, CI runner).

        The rules go on the security group EKS creates for the cluster (the one on the control
        plane's network interfaces), as terraform-aws-eks does for its additional rules. Keyed
        by the source, so editing the list touches only the rules that changed.
        """
        cluster_security_group = self.cluster.vpc_config.cluster_security_group_id
        sources = {cidr: ("endpoint.private_access_cidrs", {"cidr_ipv4": cidr}) for cidr in endpoint.private_access_cidrs}
        for group in endpoint.private_access_security_groups:
            sources[group] = ("endpoint.private_access_security_groups", {"referenced_security_group_id": group})
        for source, (field, peer) in sources.items():
            VpcSecurityGroupIngressRule(
                self,
                f"api_ingress_{source_key(source)}",
                security_group_id=cluster_security_group,
                description=f"Kubernetes API (443) from {source} ({field})",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                **peer,
            )

    def _grant_access(
        self, aws: AwsContext, admin_arns: Sequence[str], viewer_arns: Sequence[str], namespace_editors: Mapping[str, Sequence[str]]
    ) -> None:
        """One access entry per configured principal, each keyed by the principal itself.

        Nobody is admin for having run the apply: the deployer must be listed in
        cluster_admin_arns like any other administrator. Fargate needs no entry here: EKS adds
        the pod execution role's entry itself when a Fargate profile is created under the API
        authentication mode.
        """
        grants: dict[str, list[tuple[str, str, dict]]] = {}
        for arn in admin_arns:
            grants.setdefault(arn, []).append(("cluster_admin", "AmazonEKSClusterAdminPolicy", {"type": "cluster"}))
        for arn in viewer_arns:
            grants.setdefault(arn, []).append(("view", "AmazonEKSViewPolicy", {"type": "cluster"}))
        # Service teams: no access policy (AmazonEKSEditPolicy would let them create Ingresses and exec into
        # pods), only Kubernetes groups that the workloads stack's RoleBindings name, one per namespace.
        groups = {arn: sorted(team_group(namespace) for namespace in namespaces) for arn, namespaces in namespace_editors.items()}
        for arn in groups:
            grants.setdefault(arn, [])
        for principal, policies in grants.items():
            key = principal_key(principal)
            entry = EksAccessEntry(
                self,
                f"access_{key}",
                cluster_name=self.cluster.name,
                principal_arn=principal,
                type="STANDARD",
                kubernetes_groups=groups.get(principal),
            )
            for suffix, policy, scope in policies:
                EksAccessPolicyAssociation(
                    self,
                    f"access_{key}_{suffix}",
                    cluster_name=self.cluster.name,
                    principal_arn=entry.principal_arn,
                    policy_arn=ACCESS_POLICY.format(partition=aws.partition, name=policy),
                    access_scope=scope,
                )
