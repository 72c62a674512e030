"""A live cluster after both layers are applied. Needs KUBECONFIG (and TAP_OUTPUTS_FILE).

aws eks update-kubeconfig --name <cluster> --region <region> --kubeconfig ./kubeconfig
KUBECONFIG=./kubeconfig TAP_ENV=dev TAP_OUTPUTS_FILE=platform-outputs.json make cluster-checks
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from config.model import EnvironmentConfig

pytestmark = pytest.mark.integration

FARGATE_COMPUTE_LABEL = "eks.amazonaws.com/compute-type"


@pytest.fixture(scope="module")
def kube():
    path = os.environ.get("KUBECONFIG")
    if not path or not Path(path).is_file():
        pytest.skip("no cluster: set KUBECONFIG to a kubeconfig for the deployed cluster (see README, 'Checking a live cluster')")
    from kubernetes import client, config

    config.load_kube_config(config_file=path)
    return client


def namespaces(deployed_config: EnvironmentConfig) -> list[str]:
    return ["kube-system", *(s.namespace for s in deployed_config.services.values())]


def test_every_pod_runs_on_fargate(kube, deployed_config: EnvironmentConfig) -> None:
    core = kube.CoreV1Api()
    fargate_nodes = {n.metadata.name for n in core.list_node().items if n.metadata.labels.get(FARGATE_COMPUTE_LABEL) == "fargate"}
    for namespace in namespaces(deployed_config):
        for pod in core.list_namespaced_pod(namespace).items:
            if pod.status.phase in ("Succeeded", "Failed"):
                continue
            assert pod.spec.node_name in fargate_nodes, f"{namespace}/{pod.metadata.name} is on {pod.spec.node_name}"


def deployment_available(kube, namespace: str, name: str) -> bool:
    deployment = kube.AppsV1Api().read_namespaced_deployment(name, namespace)
    wanted = deployment.spec.replicas or 0
    return wanted > 0 and (deployment.status.available_replicas or 0) >= wanted


def test_coredns_is_ready(kube) -> None:
    assert deployment_available(kube, "kube-system", "coredns")


def test_load_balancer_controller_is_available(kube) -> None:
    assert deployment_available(kube, "kube-system", "aws-load-balancer-controller")


def test_service_accounts_carry_their_role_arns(kube, outputs: dict[str, Any], deployed_config: EnvironmentConfig) -> None:
    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        account = core.read_namespaced_service_account(spec.service_account, spec.namespace)
        assert account.metadata.annotations["eks.amazonaws.com/role-arn"] == outputs["service_role_arns"][name]


def test_service_deployments_are_available_and_run_as_non_root(kube, deployed_config: EnvironmentConfig) -> None:
    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        assert deployment_available(kube, spec.namespace, name)
        for pod in core.list_namespaced_pod(spec.namespace, label_selector=f"app.kubernetes.io/instance={name}").items:
            assert pod.spec.security_context.run_as_non_root is True
            for container in pod.spec.containers:
                assert container.security_context.allow_privilege_escalation is False


def test_ingresses_have_a_load_balancer_address(kube, deployed_config: EnvironmentConfig) -> None:
    networking = kube.NetworkingV1Api()
    for name, spec in deployed_config.services.items():
        if not spec.values.get("ingress", {}).get("enabled"):
            continue
        ingress = networking.read_namespaced_ingress(name, spec.namespace)
        addresses = ingress.status.load_balancer.ingress or []
        assert addresses and addresses[0].hostname.endswith(".elb.amazonaws.com"), f"{name} has no ALB address yet"


def test_service_pods_run_on_the_shared_services_profile(kube, deployed_config: EnvironmentConfig) -> None:
    """No profile per service: every service pod was scheduled by the wildcard `services` profile."""
    from config.fargate import SERVICES_PROFILE

    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        for pod in core.list_namespaced_pod(spec.namespace, label_selector=f"app.kubernetes.io/instance={name}").items:
            assert pod.metadata.labels.get("eks.amazonaws.com/fargate-profile") == SERVICES_PROFILE, pod.metadata.name


def test_ingresses_of_one_group_share_one_load_balancer(kube, deployed_config: EnvironmentConfig) -> None:
    networking = kube.NetworkingV1Api()
    hostnames: dict[str, set[str]] = {}
    for name, spec in deployed_config.services.items():
        if not spec.values.get("ingress", {}).get("enabled"):
            continue
        ingress = networking.read_namespaced_ingress(name, spec.namespace)
        group = (ingress.metadata.annotations or {}).get("alb.ingress.kubernetes.io/group.name")
        if group:
            hostnames.setdefault(group, set()).update(a.hostname for a in ingress.status.load_balancer.ingress or [])
    for group, found in hostnames.items():
        assert len(found) == 1, f"{group}: {sorted(found)}"
