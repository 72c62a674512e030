"""metrics-server, so every service's HorizontalPodAutoscaler has the CPU metrics it scales on.

Installed from its chart (kubernetes-sigs; vendored, see charts/third_party.lock.json) into kube-system, where the kube-system Fargate
profile places it. On Fargate the kubelet listens on 10250 in the same micro-VM as the pod,
so the container must listen elsewhere (AWS: "metrics server on Fargate: change the
containerPort"); 10251 is what the EKS user guide and EKS Blueprints use.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from app_support.checkov_skips import skip_annotations
from config.pins import pin
from workloads.platform_release import NOBODY, platform_release, restricted_container_security_context, restricted_pod_security_context

CHART_NAME = "metrics-server"
NAMESPACE = "kube-system"
CONTAINER_PORT = 10251
KUBELET_PORT = 10250

# A high UID (checkov CKV_K8S_40: none of the host's users) instead of the chart's 1000; the
# server writes only its self-signed certificate, to the chart's emptyDir at /tmp (fsGroup).
RESTRICTED_POD_SECURITY_CONTEXT = restricted_pod_security_context(runAsUser=NOBODY, fsGroup=NOBODY)
RESTRICTED_CONTAINER_SECURITY_CONTEXT = restricted_container_security_context(runAsUser=NOBODY)


def image_tag() -> str:
    """The chart renders `repository:tag` and has no digest key; `tag@digest` pins both (templates/_helpers.tpl, metrics-server.image)."""
    image = pin(CHART_NAME)["image"]
    return f"{image['tag']}@{image['digest']}" if image.get("digest") else image["tag"]


def metrics_server_values() -> dict[str, Any]:
    """Two replicas (Fargate spreads them over its profile's zones), a disruption budget, restricted pods, the pinned image."""
    return {
        "image": {"repository": pin(CHART_NAME)["image"]["repository"], "tag": image_tag()},
        "deploymentAnnotations": skip_annotations(CHART_NAME),
        "replicas": 2,
        "containerPort": CONTAINER_PORT,
        "podSecurityContext": RESTRICTED_POD_SECURITY_CONTEXT,
        "securityContext": RESTRICTED_CONTAINER_SECURITY_CONTEXT,
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        # Fargate bills 0.25 vCPU / 0.5 GB at least; ask for what the pod is sized to.
        "resources": {"requests": {"cpu": "250m", "memory": "400Mi"}, "limits": {"memory": "400Mi"}},
        # No topologySpreadConstraints: Fargate applies none (workloads/data/rollout_facts.json); it
        # spreads pods over its profile's subnets, one per zone (docs/runtime.md, "Zone spread").
    }


class MetricsServer(Construct):
    def __init__(self, scope: Construct, id_: str, *, chart_path: str, depends_on: list | None = None) -> None:
        super().__init__(scope, id_)
        # Ready means the metrics API answers; the services' HPAs read it from their first minute.
        self.release = platform_release(
            self,
            "release",
            name=CHART_NAME,
            namespace=NAMESPACE,
            chart=chart_path,
            version=pin(CHART_NAME)["version"],
            values=metrics_server_values(),
            depends_on=depends_on or (),
        )
