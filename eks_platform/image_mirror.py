"""ECR pull-through cache for the public images the platform runs (docs/container-insights.md, "Image pulls").

The Container Insights namespace runs under a security group with no internet egress
(collector_network.py). On Fargate an image is pulled through the pod's own network interface,
so that group decides whether the pull can leave the VPC: with ECR Public and registry.k8s.io
it cannot (ECR Public has no VPC endpoint). A pull-through cache rule turns
`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>` into a private ECR copy of
`<upstream>/<upstream path>`, reached through the ECR interface endpoints and the S3 gateway
endpoint like any private image.

Both upstreams need no credentials (ECR user guide, "Sync an upstream registry with an Amazon
ECR private registry"). The upstreams and prefixes are defined in config/image_mirror.py.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.ecr_pull_through_cache_rule import EcrPullThroughCacheRule
from constructs import Construct

from config.image_mirror import UPSTREAM_REGISTRIES, repository_prefix
from eks_platform.context import AwsContext


class ImageMirror(Construct):
    def __init__(self, scope: Construct, id_: str, *, aws: AwsContext, cluster_name: str, create_rules: bool) -> None:
        """`create_rules` is False on an emulator without the pull-through cache API: the paths stay, the rules are left out."""
        super().__init__(scope, id_)
        self.registry = f"{aws.account_id}.dkr.ecr.{aws.region}.amazonaws.com"
        self.prefixes = {key: repository_prefix(cluster_name, key) for key in UPSTREAM_REGISTRIES}
        # What a pod names instead of the upstream registry: `<mirror>/<upstream repository>:<tag>`.
        self.mirrors = {key: f"{self.registry}/{prefix}" for key, prefix in self.prefixes.items()}
        # The repositories ECR creates on the first pull, for the pulling role's permissions.
        self.repository_arns = [aws.arn("ecr", f"repository/{prefix}/*") for prefix in self.prefixes.values()]
        self.rules: dict[str, EcrPullThroughCacheRule] = {}
        if create_rules:
            self.rules = {
                key: EcrPullThroughCacheRule(
                    self, key.replace("-", "_"), ecr_repository_prefix=self.prefixes[key], upstream_registry_url=upstream
                )
                for key, upstream in UPSTREAM_REGISTRIES.items()
            }
