"""Issue 11 on the workloads side: metrics-server, readiness gates."""

from __future__ import annotations

import json

from config.pins import pin
from tests.conftest import Synthesized
from tests.workloads.test_workloads import output
from workloads.metrics_server import CONTAINER_PORT, KUBELET_PORT
from workloads.stack import READINESS_GATE_LABEL


def metrics_server(env: Synthesized) -> dict:
    return env.resources("workloads", "helm_release")["metrics_server_release"]


def test_metrics_server_runs_two_restricted_replicas_in_kube_system_off_the_kubelet_port(env: Synthesized) -> None:
    release = metrics_server(env)
    # From the vendored copy of the pinned chart (charts/third_party.lock.json), never a repository at apply.
    assert "repository" not in release
    assert (release["chart"], release["version"], release["namespace"]) == (
        "../../../charts/vendor/metrics-server",
        pin("metrics-server")["version"],
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


def test_each_service_namespace_has_a_security_group_policy_before_its_pods(env: Synthesized) -> None:
    manifests = env.resources("workloads", "kubernetes_manifest")
    for service, spec in env.config.services.items():
        policy = manifests[f"pod_security_groups_{service}_policy"]["manifest"]
        assert policy["apiVersion"] == "vpcresources.k8s.aws/v1beta1" and policy["kind"] == "SecurityGroupPolicy"
        assert policy["metadata"]["namespace"] == spec.namespace
        assert policy["spec"]["podSelector"] == {}
        own, shared = policy["spec"]["securityGroups"]["groupIds"]
        assert own in output("service_security_group_ids", service)
        assert shared == "${data.terraform_remote_state.platform.outputs.pod_security_group_id}"
        release = env.resources("workloads", "helm_release")[f"release_{service}"]
        assert f"kubernetes_manifest.pod_security_groups_{service}_policy" in release["depends_on"]


def test_ingresses_get_the_platforms_alb_group_and_load_balancer_hygiene(env: Synthesized) -> None:
    from eks_platform.service_network import ServiceNetwork

    for service, spec in env.config.services.items():
        release = env.resources("workloads", "helm_release")[f"release_{service}"]
        platform_values = json.loads(release["values"][1])["loadBalancer"]
        scheme = ServiceNetwork.of(spec).scheme
        if scheme:
            output = "internal_alb_security_group_id" if scheme == "internal" else "internet_facing_alb_security_group_id"
            assert platform_values["securityGroupId"] == f"${{data.terraform_remote_state.platform.outputs.{output}}}"
        attributes = dict(a.split("=", 1) for a in platform_values["attributes"].split(","))
        assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
        assert attributes["access_logs.s3.enabled"] == "true"
        assert attributes["access_logs.s3.bucket"] == "${data.terraform_remote_state.platform.outputs.load_balancer_logs_bucket}"
        assert attributes["deletion_protection.enabled"] == ("true" if env.config.protected else "false")


def test_controller_tags_what_it_creates_with_the_platform_tags(env: Synthesized) -> None:
    release = env.resources("workloads", "helm_release")["alb_controller_release"]
    values = json.loads(release["values"][0])
    assert values["defaultTags"] == env.config.all_tags()


def test_onboarding_a_service_leaves_the_logging_config_map_unchanged(onboarded: Synthesized, synthesized) -> None:
    """The ConfigMap does not grow with services: the 100th service fits as the 4th does."""
    (before,) = synthesized["dev"].resources("workloads", "kubernetes_config_map_v1").values()
    (after,) = onboarded.resources("workloads", "kubernetes_config_map_v1").values()
    assert after["data"] == before["data"]


def test_a_pod_gets_no_more_security_groups_than_its_network_interface_takes() -> None:
    import pytest

    from workloads.pod_security_groups import security_group_policy

    assert len(security_group_policy(name="p", namespace="payment", group_ids=["sg-1", "sg-2"])["spec"]["securityGroups"]["groupIds"]) == 2
    with pytest.raises(ValueError, match=r"6 security groups on payment's pods .* exceed the limit of 5"):
        security_group_policy(name="p", namespace="payment", group_ids=[f"sg-{i}" for i in range(6)])
