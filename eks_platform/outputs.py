"""The platform layer's outputs: the one typed contract between the two stacks.

The platform stack writes each field as a Terraform output of the same name; the workloads
stack reads them back from the platform's state into the same type. This module imports
no provider bindings, so the workloads stack never loads the AWS ones.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class PlatformOutputs:
    region: str
    cluster_name: str
    cluster_endpoint: str
    cluster_ca_data: str
    oidc_provider_arn: str
    oidc_issuer_url: str
    vpc_id: str
    private_subnet_ids: list[str]
    public_subnet_ids: list[str]
    alb_controller_role_arn: str
    service_role_arns: Mapping[str, str]
    repository_urls: Mapping[str, str]
    secret_arns: Mapping[str, str]
    workload_log_groups: Mapping[str, str]
    kubeconfig_command: str
    # Security groups for pods (issue 11): each service's own, the one every service pod shares,
    # and the ALB group per ingress scheme.
    service_security_group_ids: Mapping[str, str]
    pod_security_group_id: str
    internal_alb_security_group_id: str
    internet_facing_alb_security_group_id: str
    load_balancer_logs_bucket: str
    # The Container Insights collector's IRSA role (workloads/container_insights.py).
    container_insights_role_arn: str
    # Its namespace's own security group (eks_platform/collector_network.py), attached by a SecurityGroupPolicy.
    container_insights_security_group_id: str
    # ECR pull-through cache paths (eks_platform/image_mirror.py), `<registry>/<prefix>`: a pod names
    # `<mirror>/<upstream repository>:<tag>` instead of public.ecr.aws or registry.k8s.io.
    public_ecr_mirror: str
    kubernetes_registry_mirror: str
    # The runner `make deploy-workloads` uses where the API endpoint is private; "" where it is public.
    runner_project: str
    runner_source_bucket: str

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def kinds(cls) -> dict[str, type]:
        """Each output's shape: str, list (of str) or Mapping (service name -> str)."""
        hints = typing.get_type_hints(cls)
        return {name: typing.get_origin(hints[name]) or hints[name] for name in cls.names()}
