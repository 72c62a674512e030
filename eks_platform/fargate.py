"""Fargate: the pod execution role and the fixed set of profiles (config/fargate.py), created one at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.eks_cluster import EksCluster
from cdktf_cdktf_provider_aws.eks_fargate_profile import EksFargateProfile, EksFargateProfileSelector
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from config.model import FargateProfileConfig
from eks_platform.context import AwsContext
from eks_platform.log_groups import log_router_group_name
from eks_platform.policy import Condition, Statement, policy_document


class FargateProfiles(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        aws: AwsContext,
        cluster_name: str,
        cluster: EksCluster,
        profiles: Mapping[str, FargateProfileConfig],
        subnet_ids: Sequence[str],
        log_group_prefix: str,
        mirrored_repository_arns: Sequence[str],
    ) -> None:
        """`mirrored_repository_arns`: the pull-through cache's repositories (image_mirror.py), which this role fills on a first pull."""
        super().__init__(scope, id_)
        # Only this cluster's Fargate profiles may hand the role to a pod (confused-deputy guard).
        trust = policy_document(
            self,
            "pod_execution_trust",
            [
                Statement(
                    actions=["sts:AssumeRole"],
                    principals={"Service": ["eks-fargate-pods.amazonaws.com"]},
                    conditions=[Condition("ArnLike", "aws:SourceArn", [aws.arn("eks", f"fargateprofile/{cluster_name}/*")])],
                )
            ],
        )
        self.pod_execution_role = IamRole(self, "pod_execution_role", name=f"{cluster_name}-fargate-pods", assume_role_policy=trust.json)
        managed = IamRolePolicyAttachment(
            self,
            "pod_execution_policy",
            role=self.pod_execution_role.name,
            policy_arn=f"arn:{aws.partition}:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy",
        )
        # Fargate's built-in log router writes with this role, to the workload groups the platform
        # created and to its own group (no logs:CreateLogGroup). One pattern rather than one ARN per service: a role's
        # inline policies are capped at 10,240 characters, which 100 ARNs would exceed.
        logging = policy_document(
            self,
            "fargate_logging",
            [
                Statement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=[
                        aws.arn("logs", f"log-group:{group}:*") for group in (f"{log_group_prefix}*", log_router_group_name(cluster_name))
                    ],
                )
            ],
        )
        logging_grant = IamRolePolicy(
            self, "fargate_logging_grant", role=self.pod_execution_role.id, name="fargate-log-router", policy=logging.json
        )

        # Fargate pulls with this role. A pull through a pull-through cache rule whose image is not cached
        # yet imports it (ecr:BatchImportUpstreamImage) and, the first time, creates its repository
        # (ecr:CreateRepository): ECR user guide, "IAM permissions required to sync an upstream registry
        # with an Amazon ECR private registry". Only under the cache's prefixes; the managed policy
        # already allows the pull itself.
        mirror = policy_document(
            self,
            "image_mirror",
            [Statement(actions=["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], resources=list(mirrored_repository_arns))],
        )
        mirror_grant = IamRolePolicy(self, "image_mirror_grant", role=self.pod_execution_role.id, name="image-mirror", policy=mirror.json)

        # AWS rejects a profile created while another is being created or deleted: chain them.
        self.profiles: dict[str, EksFargateProfile] = {}
        previous: list = [managed, logging_grant, mirror_grant]
        for name, profile in profiles.items():
            created = EksFargateProfile(
                self,
                f"profile_{name}",
                cluster_name=cluster.name,
                fargate_profile_name=name,
                pod_execution_role_arn=self.pod_execution_role.arn,
                subnet_ids=list(subnet_ids),
                selector=[EksFargateProfileSelector(namespace=s.namespace, labels=dict(s.labels) or None) for s in profile.selectors],
                depends_on=previous,
            )
            self.profiles[name] = created
            previous = [created]
