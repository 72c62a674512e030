"""Container Insights on Fargate: kube-state-metrics and the ADOT collector, in their own namespace.

The namespace has a Fargate profile and a log group of its own (config/fargate.py,
PLATFORM_NAMESPACES), Pod Security `restricted` like the services'. kube-state-metrics comes from
its upstream chart (prometheus-community), limited to the objects and metrics the alarms read;
the collector from this repository's chart (charts/container-insights) on its IRSA role, which
may write only to the two Container Insights log groups. Every pod of the namespace gets the
platform's Container Insights security group (eks_platform/collector_network.py) through a
SecurityGroupPolicy, created before either release so no pod starts in the cluster group. That
group has no internet egress, and on Fargate the pod's own interface pulls its image: both images
come through the platform's ECR pull-through cache (eks_platform/image_mirror.py), same repository
path and tag as upstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf_cdktf_provider_kubernetes.manifest import Manifest
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from constructs import Construct

from config.image_mirror import KUBE_STATE_METRICS_IMAGE_REPOSITORY, KUBE_STATE_METRICS_IMAGE_TAG
from config.loader import REPO_ROOT
from config.observability import COLLECTOR_NAMESPACE, COLLECTOR_SERVICE_ACCOUNT
from workloads.collector_config import KUBE_STATE_METRICS_PORT, collector_config_text
from workloads.platform_release import platform_release
from workloads.pod_security_groups import security_group_policy
from workloads.service_chart import render

CHART_DIR = REPO_ROOT / "charts" / "container-insights"
COLLECTOR_RELEASE = "container-insights"
KUBE_STATE_METRICS_REPOSITORY = "https://prometheus-community.github.io/helm-charts"
KUBE_STATE_METRICS_CHART = "kube-state-metrics"
KUBE_STATE_METRICS_VERSION = "5.27.0"  # kube-state-metrics 2.14.0
# Only what the alarms read: fewer series to scrape and to pay for.
KUBE_STATE_METRICS_ALLOWLIST = [
    "kube_pod_container_status_restarts_total",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
]


def kube_state_metrics_values() -> dict[str, Any]:
    return {
        # `image.registry` is the mirror, set from the platform's state (ContainerInsights below).
        "image": {"repository": KUBE_STATE_METRICS_IMAGE_REPOSITORY, "tag": KUBE_STATE_METRICS_IMAGE_TAG},
        "collectors": ["pods", "horizontalpodautoscalers"],
        "metricAllowlist": KUBE_STATE_METRICS_ALLOWLIST,
        "service": {"port": KUBE_STATE_METRICS_PORT},
        "securityContext": {
            "enabled": True,
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "runAsGroup": 65534,
            "fsGroup": 65534,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containerSecurityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}},
    }


def collector_values(*, cluster_name: str, region: str) -> dict[str, Any]:
    """Static values; the IRSA role's ARN comes from the platform's state as a `set` entry."""
    return {
        "clusterName": cluster_name,
        "region": region,
        "serviceAccountName": COLLECTOR_SERVICE_ACCOUNT,
        "config": collector_config_text(cluster_name=cluster_name, region=region, namespace=COLLECTOR_NAMESPACE),
    }


def render_collector(*, cluster_name: str, region: str, role_arn: str, image_mirror: str) -> dict[str, str]:
    """The collector's manifests by template path, rendered offline by the Helm engine (tests, policy gate)."""
    values = {**collector_values(cluster_name=cluster_name, region=region), "roleArn": role_arn, "imageMirror": image_mirror}
    return render(values, release=COLLECTOR_RELEASE, namespace=COLLECTOR_NAMESPACE, chart_dir=CHART_DIR)


class ContainerInsights(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        region: str,
        role_arn: str,
        security_group_id: str,
        public_ecr_mirror: str,
        kubernetes_registry_mirror: str,
        chart_path: str,
        namespace_labels: Mapping[str, str],
        depends_on: list | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.namespace = NamespaceV1(
            self, "namespace", metadata=NamespaceV1Metadata(name=COLLECTOR_NAMESPACE, labels=dict(namespace_labels))
        )
        # A pod gets its groups when it is scheduled: the policy exists before any pod of the namespace.
        self.security_groups = Manifest(
            self,
            "security_group_policy",
            manifest=security_group_policy(name=COLLECTOR_RELEASE, namespace=COLLECTOR_NAMESPACE, group_ids=[security_group_id]),
            depends_on=[self.namespace],
        )
        after = [self.namespace, self.security_groups, *(depends_on or [])]
        self.kube_state_metrics = platform_release(
            self,
            "kube_state_metrics",
            name=KUBE_STATE_METRICS_CHART,
            namespace=COLLECTOR_NAMESPACE,
            repository=KUBE_STATE_METRICS_REPOSITORY,
            chart=KUBE_STATE_METRICS_CHART,
            version=KUBE_STATE_METRICS_VERSION,
            values=kube_state_metrics_values(),
            settings={"image.registry": kubernetes_registry_mirror},
            depends_on=after,
        )
        self.collector = platform_release(
            self,
            "collector",
            name=COLLECTOR_RELEASE,
            namespace=COLLECTOR_NAMESPACE,
            chart=chart_path,
            values=collector_values(cluster_name=cluster_name, region=region),
            settings={"roleArn": role_arn, "imageMirror": public_ecr_mirror},
            depends_on=[self.kube_state_metrics, *after],
        )
