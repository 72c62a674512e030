"""The AWS Load Balancer Controller, from its official chart (vendored: charts/third_party.lock.json), on the platform's IRSA role.

Its mutating webhook sees every Service created in the cluster, with failurePolicy Fail: whatever
creates a Service or Ingress waits for this release (which waits for ready pods), and is destroyed
before it (kubernetes-sigs/aws-load-balancer-controller#4140, aws/eks-charts#1058).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf_cdktf_provider_kubernetes.service_account_v1 import ServiceAccountV1, ServiceAccountV1Metadata
from constructs import Construct

from app_support.checkov_skips import skip_annotations
from config.pins import pin
from eks_platform.alb_controller_policy import pinned
from workloads.platform_release import NOBODY, platform_release, restricted_container_security_context, restricted_pod_security_context

CHART_NAME = "aws-load-balancer-controller"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"

# Pod Security "restricted" for the controller's pods (the chart's defaults are close but not all of it).
# A high UID (checkov CKV_K8S_40: none of the host's users); the controller writes nothing to disk.
RESTRICTED_POD_SECURITY_CONTEXT = restricted_pod_security_context(fsGroup=NOBODY)
RESTRICTED_CONTAINER_SECURITY_CONTEXT = restricted_container_security_context(runAsUser=NOBODY, runAsGroup=NOBODY)


def chart_version() -> str:
    """The chart version the lock pins; its image must be the controller release whose IAM policy is granted."""
    return pin(CHART_NAME)["version"]


def controller_version() -> str:
    """The controller image tag the granted IAM policy was published for."""
    return pinned()["controller_version"]


def controller_image() -> dict[str, str]:
    """The image the chart lock records (the chart's default): by tag only, as upstream publishes no digest
    for it (docs/upstream.md). It must be the release the IAM policy was taken from."""
    image = pin(CHART_NAME)["image"]
    if image["tag"] != controller_version():
        raise ValueError(
            f"charts/third_party.lock.json pins controller {image['tag']}, the IAM policy in eks_platform/data/alb_controller_pin.json "
            f"is {controller_version()}'s"
        )
    return {"repository": image["repository"], "tag": image["tag"]}


def controller_values(*, region: str, default_tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Static values; clusterName and vpcId come from the platform as `set` entries.
    Fargate pods have no instance metadata: the controller must be told all three.
    The image tag is the pinned one (the chart's default too), so the policy always matches it.
    `defaultTags` puts the platform's tags on every load balancer, target group and
    security group the controller creates."""
    return {
        # Fargate pulls into each new micro-VM anyway; Always re-resolves the tag (no digest is published).
        "image": {**controller_image(), "pullPolicy": "Always"},
        "deploymentAnnotations": skip_annotations(CHART_NAME),
        # Fargate sizes the pod from its requests (0.25 vCPU and 0.5 GB at least); a memory limit bounds a leak.
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
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
        # No topologySpreadConstraints: Fargate applies none (workloads/data/rollout_facts.json); it
        # spreads pods over its profile's subnets, one per zone (docs/runtime.md, "Zone spread").
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
        chart_path: str,
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
            chart=chart_path,
            version=chart_version(),
            values=controller_values(region=region, default_tags=default_tags),
            settings={"clusterName": cluster_name, "vpcId": vpc_id},
            depends_on=[self.service_account, *(depends_on or [])],
        )
