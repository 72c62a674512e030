"""The AWS Load Balancer Controller, from its official chart, on the platform's IRSA role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf_cdktf_provider_kubernetes.service_account_v1 import ServiceAccountV1, ServiceAccountV1Metadata
from constructs import Construct

from eks_platform.alb_controller_policy import pinned
from workloads.platform_release import platform_release

CHART_REPOSITORY = "https://aws.github.io/eks-charts"
CHART_NAME = "aws-load-balancer-controller"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"

# Pod Security "restricted" for the controller's pods (the chart's defaults are close but not all of it).
RESTRICTED_POD_SECURITY_CONTEXT = {"runAsNonRoot": True, "fsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def chart_version() -> str:
    """The chart version whose IAM policy the platform grants (one file pins both)."""
    return pinned()["chart_version"]


def controller_version() -> str:
    """The controller image tag the granted IAM policy was published for."""
    return pinned()["controller_version"]


def controller_values(*, region: str, default_tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Static values; clusterName and vpcId come from the platform as `set` entries.
    Fargate pods have no instance metadata: the controller must be told all three.
    The image tag is the pinned one (the chart's default too), so the policy always matches it.
    `defaultTags` puts the platform's tags on every load balancer, target group and
    security group the controller creates."""
    return {
        "image": {"tag": controller_version()},
        "region": region,
        "defaultTags": dict(default_tags or {}),
        "replicaCount": 2,
        # Only the platform's IngressClasses (workloads/ingress_classes.py), each pinned by IngressClassParams:
        # no parameterless `alb` class from the chart, and neither annotation that would bypass the parameters.
        "createIngressClassResource": False,
        "disableIngressClassAnnotation": True,
        "disableIngressGroupNameAnnotation": True,
        "serviceAccount": {"create": False, "name": SERVICE_ACCOUNT},
        "podSecurityContext": RESTRICTED_POD_SECURITY_CONTEXT,
        "securityContext": RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        "podDisruptionBudget": {"maxUnavailable": 1},
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": CHART_NAME}},
            }
        ],
    }


class AlbController(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        region: str,
        vpc_id: str,
        role_arn: str,
        default_tags: Mapping[str, str] | None = None,
        depends_on: list | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.service_account = ServiceAccountV1(
            self,
            "service_account",
            metadata=ServiceAccountV1Metadata(
                name=SERVICE_ACCOUNT,
                namespace=NAMESPACE,
                annotations={"eks.amazonaws.com/role-arn": role_arn},
                labels={"app.kubernetes.io/name": CHART_NAME},
            ),
        )
        # Ready means its webhook answers; releases with Ingresses are installed only then.
        self.release = platform_release(
            self,
            "release",
            name=CHART_NAME,
            namespace=NAMESPACE,
            repository=CHART_REPOSITORY,
            chart=CHART_NAME,
            version=chart_version(),
            values=controller_values(region=region, default_tags=default_tags),
            settings={"clusterName": cluster_name, "vpcId": vpc_id},
            depends_on=[self.service_account, *(depends_on or [])],
        )
