"""Issue 11 on the workloads side: metrics-server, readiness gates."""

from __future__ import annotations

import json

from tests.conftest import Synthesized
from workloads.metrics_server import CHART_VERSION, CONTAINER_PORT, KUBELET_PORT
from workloads.stack import READINESS_GATE_LABEL


def metrics_server(env: Synthesized) -> dict:
    return env.resources("workloads", "helm_release")["metrics_server_release"]


def test_metrics_server_runs_two_restricted_replicas_in_kube_system_off_the_kubelet_port(env: Synthesized) -> None:
    release = metrics_server(env)
    assert (release["repository"], release["chart"], release["version"], release["namespace"]) == (
        "https://kubernetes-sigs.github.io/metrics-server/",
        "metrics-server",
        CHART_VERSION,
        "kube-system",
    )
    (values_json,) = release["values"]
    values = json.loads(values_json)
    assert values["replicas"] == 2
    # On Fargate the kubelet holds 10250 in the pod's own micro-VM.
    assert values["containerPort"] == CONTAINER_PORT != KUBELET_PORT
    container = values["securityContext"]
    assert container["runAsNonRoot"] is True and container["allowPrivilegeEscalation"] is False
    assert container["readOnlyRootFilesystem"] is True and container["capabilities"] == {"drop": ["ALL"]}
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert values["podDisruptionBudget"]["enabled"] is True
    assert release["wait"] is True
    assert "kubernetes_config_map_v1.fargate_logging_aws_logging" in release["depends_on"]


def test_service_namespaces_get_the_controllers_readiness_gate(env: Synthesized) -> None:
    namespaces = env.resources("workloads", "kubernetes_namespace_v1")
    for service in env.config.services:
        labels = namespaces[f"namespace_{service}"]["metadata"]["labels"]
        assert labels.items() >= READINESS_GATE_LABEL.items()
        assert labels["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"
