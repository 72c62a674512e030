"""Container Insights on Fargate: kube-state-metrics and the ADOT collector, in their own namespace.

The namespace has a Fargate profile and a log group of its own (config/fargate.py,
PLATFORM_NAMESPACES), Pod Security `restricted` like the services'. kube-state-metrics comes from
its upstream chart (prometheus-community; vendored, see charts/third_party.lock.json), limited to the objects and metrics the alarms read;
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

from app_support.checkov_skips import skip_annotations
from config.loader import REPO_ROOT
from config.observability import COLLECTOR_NAMESPACE, COLLECTOR_SERVICE_ACCOUNT
from config.pins import collector_release, pin
from workloads.collector_config import KUBE_STATE_METRICS_PORT, collector_config_text
from workloads.platform_release import NOBODY, platform_release, restricted_container_security_context, restricted_pod_security_context
from workloads.pod_security_groups import security_group_policy
from workloads.service_chart import render

CHART_DIR = REPO_ROOT / "charts" / "container-insights"
COLLECTOR_RELEASE = "container-insights"
KUBE_STATE_METRICS_CHART = "kube-state-metrics"
# Only what the alarms read: fewer series to scrape and to pay for.
KUBE_STATE_METRICS_ALLOWLIST = [
    "kube_pod_container_status_restarts_total",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
]


def kube_state_metrics_values() -> dict[str, Any]:
    """Only the collectors and metrics the alarms read, restricted pods, the pinned image by tag and digest
    (the chart renders `registry/repository:tag@sha`: templates/_helpers.tpl, kube-state-metrics.image)."""
    image = pin(KUBE_STATE_METRICS_CHART)["image"]
    registry, _, repository = image["repository"].partition("/")
    return {
        "image": {"registry": registry, "repository": repository, "tag": image["tag"], "sha": image.get("digest") or ""},
        "annotations": skip_annotations(KUBE_STATE_METRICS_CHART),  # the Deployment's (templates/deployment.yaml)
        "collectors": ["pods", "horizontalpodautoscalers"],
        "metricAllowlist": KUBE_STATE_METRICS_ALLOWLIST,
        "service": {"port": KUBE_STATE_METRICS_PORT},
        "securityContext": {"enabled": True, **restricted_pod_security_context(runAsUser=NOBODY, runAsGroup=NOBODY, fsGroup=NOBODY)},
        "containerSecurityContext": restricted_container_security_context(),
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}},
    }


def collector_values(*, cluster_name: str, region: str) -> dict[str, Any]:
    """Static values; the IRSA role's ARN comes from the platform's state as a `set` entry."""
    return {
        "image": collector_release()["image"],  # the pinned release, served through the mirror (charts/container-insights)
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
        kube_state_metrics_chart_path: str,
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
            chart=kube_state_metrics_chart_path,
            version=pin(KUBE_STATE_METRICS_CHART)["version"],
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
