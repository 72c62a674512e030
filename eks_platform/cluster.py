"""The EKS control plane: version, logging, secrets encryption, endpoint access, access entries."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import Fn
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_session_context import DataAwsIamSessionContext
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
from constructs import Construct

from app_support.checkov_skips import skip_checks
from config.model import EndpointAccess
from eks_platform.context import AwsContext
from eks_platform.policy import Statement, policy_document

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


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
        access_api: bool = True,
    ) -> None:
        """`access_api=False` (an emulator without the EKS access API) leaves out the access config and entries."""
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
            self._grant_admins(aws, admin_arns)
        if endpoint.public:
            reason = f"public access is limited to {', '.join(endpoint.public_cidrs)} (endpoint.public_cidrs); the private endpoint is on"
            skip_checks(self.cluster, {"CKV_AWS_39": reason, "CKV_AWS_38": reason})

    @property
    def oidc_issuer_url(self) -> str:
        return self.cluster.identity.get(0).oidc.get(0).issuer

    @property
    def oidc_issuer_host_path(self) -> str:
        """The issuer without its scheme: the prefix of IRSA condition keys."""
        return Fn.replace(self.oidc_issuer_url, "https://", "")

    def _grant_admins(self, aws: AwsContext, extra_admin_arns: Sequence[str]) -> None:
        """Cluster-admin access entries for the deploying principal and the configured admins.

        Fargate needs no entry here: EKS adds the pod execution role's entry itself when a
        Fargate profile is created under the API authentication mode.
        """
        # An assumed-role session ARN is not a principal; the role that issued it is.
        deployer = DataAwsIamSessionContext(self, "deployer", arn=aws.caller_arn)
        principals = {"deployer": deployer.issuer_arn, **{f"admin_{i}": arn for i, arn in enumerate(extra_admin_arns)}}
        for key, principal in principals.items():
            entry = EksAccessEntry(self, f"{key}_access", cluster_name=self.cluster.name, principal_arn=principal, type="STANDARD")
            EksAccessPolicyAssociation(
                self,
                f"{key}_cluster_admin",
                cluster_name=self.cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=f"arn:{aws.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                access_scope={"type": "cluster"},
            )
