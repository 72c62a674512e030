"""The service chart, rendered by the Helm engine (each version's schemas: tests/eks_platform/test_version_matrix.py)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import helm_python as helm
import pytest

from workloads.service_chart import CHART_DIR

FACTS = CHART_DIR.parent.parent / "workloads" / "data" / "rollout_facts.json"
FARGATE_FACTS = CHART_DIR.parent.parent / "workloads" / "data" / "fargate_facts.json"

Manifests = dict[tuple[str, str], list[dict[str, Any]]]


def by_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def test_every_service_renders_in_every_environment(rendered: Manifests, configs) -> None:
    assert set(rendered) == {(env, name) for env, c in configs.items() for name in c.services}
    for manifests in rendered.values():
        assert {m["kind"] for m in manifests} >= {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


def test_chart_lints_clean() -> None:
    findings = helm.lint(
        str(CHART_DIR), values={"image": {"repository": "example.com/app", "tag": "1.0.0"}, "serviceAccount": {"name": "app"}}
    )
    assert not findings["errors"], findings


def test_every_object_lives_in_the_release_namespace(rendered: Manifests, configs) -> None:
    for (env, name), manifests in rendered.items():
        assert {m["metadata"]["namespace"] for m in manifests} == {configs[env].services[name].namespace}


def test_pods_meet_pod_security_restricted(rendered: Manifests) -> None:
    for key, manifests in rendered.items():
        (deployment,) = by_kind(manifests, "Deployment")
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, key
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod.get("hostNetwork") is not True and pod.get("hostPID") is not True
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["runAsNonRoot"] is True
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert all(set(v) <= {"name", "emptyDir", "configMap", "secret", "projected"} for v in pod.get("volumes", []))


def test_containers_have_probes_requests_and_a_memory_limit(rendered: Manifests) -> None:
    for manifests in rendered.values():
        (deployment,) = by_kind(manifests, "Deployment")
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["readinessProbe"]["httpGet"] and container["livenessProbe"]["httpGet"]
            assert set(container["resources"]["requests"]) == {"cpu", "memory"}
            assert set(container["resources"]["limits"]) == {"memory"}


def test_image_comes_from_the_services_repository_with_its_tag(rendered: Manifests, configs) -> None:
    for (env, name), manifests in rendered.items():
        service = configs[env].services[name]
        (deployment,) = by_kind(manifests, "Deployment")
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image.endswith(f"/{configs[env].repository_prefix}/{service.repository}:{service.values['image']['tag']}")
        assert not image.endswith(":latest")


def test_pods_use_the_platforms_service_account(rendered: Manifests, configs) -> None:
    for (env, name), manifests in rendered.items():
        (deployment,) = by_kind(manifests, "Deployment")
        assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == configs[env].services[name].service_account
        assert not by_kind(manifests, "ServiceAccount"), "the chart must not create its own service account"


def test_pods_make_no_zone_spread_promise_fargate_ignores(rendered: Manifests) -> None:
    """Fargate applies neither topologySpreadConstraints nor affinity (workloads/data/rollout_facts.json):
    such a field would only promise a spread nobody enforces."""
    facts = json.loads(FACTS.read_text())["fargate_scheduling"]
    assert not facts["topology_spread_constraints_supported"] and not facts["affinity_and_anti_affinity_apply"]
    for manifests in rendered.values():
        (deployment,) = by_kind(manifests, "Deployment")
        pod = deployment["spec"]["template"]["spec"]
        assert "topologySpreadConstraints" not in pod and "affinity" not in pod


def test_rollouts_surge_a_percentage_and_never_go_below_the_replicas(rendered: Manifests) -> None:
    for key, manifests in rendered.items():
        (deployment,) = by_kind(manifests, "Deployment")
        rolling = deployment["spec"]["strategy"]["rollingUpdate"]
        assert rolling["maxUnavailable"] == 0, key
        assert re.fullmatch(r"[1-9][0-9]?%|100%", rolling["maxSurge"]), key


def waves_of(max_replicas: int, max_surge: str) -> int:
    """Kubernetes' rule, from its API documentation (rollout_facts.json), not from our code."""
    assert json.loads(FACTS.read_text())["kubernetes_max_surge"]["percentage_rounding"] == "up"
    surge = math.ceil(max_replicas * int(max_surge.rstrip("%")) / 100)
    return math.ceil(max_replicas / surge)


def test_each_release_timeout_covers_its_largest_rollout(synthesized, rendered: Manifests) -> None:
    """The HPA may hold maxReplicas when a rollout starts; every wave of new pods needs the stated
    per-pod start time (rollout.podStartSeconds) before the next can begin."""
    for (env, name), manifests in rendered.items():
        (deployment,) = by_kind(manifests, "Deployment")
        (hpa,) = by_kind(manifests, "HorizontalPodAutoscaler")
        waves = waves_of(hpa["spec"]["maxReplicas"], deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"])
        pod_start = deployment["metadata"]["annotations"]["tap.platform/pod-start-seconds"]
        timeout = synthesized[env].resources("workloads", "helm_release")[f"release_{name}"]["timeout"]
        assert timeout >= waves * int(pod_start) + 300, (env, name)  # and a first install's load balancer
        assert timeout <= 3600, (env, name)


def test_prod_rollouts_of_twelve_replicas_fit(synthesized, rendered: Manifests) -> None:
    """The issue's case: 12 replicas, one pod at a time, took over 20 minutes against 600 s."""
    releases = synthesized["prod"].resources("workloads", "helm_release")
    for (env, name), manifests in rendered.items():
        (hpa,) = by_kind(manifests, "HorizontalPodAutoscaler")
        if env == "prod" and hpa["spec"]["maxReplicas"] == 12:
            (deployment,) = by_kind(manifests, "Deployment")
            assert deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == "25%"
            assert releases[f"release_{name}"]["timeout"] == 4 * 150 + 300  # 3 pods per wave, 4 waves


def test_pod_start_budget_covers_readiness_and_target_health(configs) -> None:
    """The chart's floor under rollout.podStartSeconds: the first readiness probe, then the controller's
    default health checks (interval times healthy threshold) before the readiness gate opens."""
    from workloads.service_chart import release_values, render

    facts = json.loads(FACTS.read_text())["alb_target_health"]
    health = facts["healthcheck_interval_seconds_default"] * facts["healthy_threshold_count_default"]
    values = release_values(configs["dev"].services["payment"], "example.com/tap/payment")
    values["probes"] = {**values["probes"], "initialDelaySeconds": 20, "periodSeconds": 10}
    values["rollout"] = {**values["rollout"], "podStartSeconds": 20 + 10 + health}
    with pytest.raises(helm.HelmError, match=r"rollout\.podStartSeconds"):
        render(values, release="payment", namespace="payment")
    values["rollout"]["podStartSeconds"] += 1
    render(values, release="payment", namespace="payment")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"rollout": {"timeoutSeconds": 500}}, r"rollout.timeoutSeconds \(500\) must cover the largest rollout: .* 4 waves"),
        ({"rollout": {"maxSurgePercent": 1}, "autoscaling": {"maxReplicas": 40}}, r"rollout.maxSurgePercent \(1\): .* 40 waves"),
        ({"rollout": {"podStartSeconds": 60}, "probes": {"initialDelaySeconds": 30}}, r"podStartSeconds \(60\) must exceed .* \(70\)"),
    ],
)
def test_chart_refuses_a_rollout_that_does_not_fit(configs, values: dict[str, Any], message: str) -> None:
    from workloads.service_chart import release_values, render

    merged = release_values(configs["prod"].services["payment"], "example.com/tap/payment")
    for section, settings in values.items():
        merged[section] = {**merged.get(section, {}), **settings}
    with pytest.raises(helm.HelmError, match=message):
        render(merged, release="payment", namespace="payment")


def test_autoscaler_and_disruption_budget_leave_room_for_evictions(rendered: Manifests) -> None:
    for manifests in rendered.values():
        (hpa,) = by_kind(manifests, "HorizontalPodAutoscaler")
        (pdb,) = by_kind(manifests, "PodDisruptionBudget")
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


def test_ingresses_route_to_pod_ips_through_an_alb(rendered: Manifests) -> None:
    for manifests in rendered.values():
        for ingress in by_kind(manifests, "Ingress"):
            annotations = ingress["metadata"]["annotations"]
            # the platform's class of the scheme (workloads/ingress_classes.py), never the chart's parameterless `alb`;
            # no shipped service has a dedicated load balancer (tests/workloads/test_team_access.py renders one)
            assert ingress["spec"]["ingressClassName"] == f"tap-{annotations['alb.ingress.kubernetes.io/scheme']}"
            assert "alb.ingress.kubernetes.io/group.name" not in annotations  # the class's IngressClassParams name the group
            assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
            if annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing":
                assert annotations["alb.ingress.kubernetes.io/certificate-arn"].startswith("arn:aws:acm:")
                assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"


def test_prod_ingresses_are_https_with_a_web_acl(rendered: Manifests) -> None:
    for (env, _), manifests in rendered.items():
        if env != "prod":
            continue
        (ingress,) = by_kind(manifests, "Ingress")
        annotations = ingress["metadata"]["annotations"]
        assert '"HTTPS": 443' in annotations["alb.ingress.kubernetes.io/listen-ports"]
        assert annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"].startswith("arn:aws:wafv2:")


def test_selector_labels_ignore_user_labels(configs) -> None:
    from workloads.service_chart import release_values, render

    service = configs["dev"].services["payment"]
    values = release_values(service, "example.com/tap/payment")
    values["podLabels"] = {"team": "payments"}
    manifests = [m for m in render(values, release="payment", namespace="payment").values()]
    deployment = next(m for m in manifests if "kind: Deployment" in m)
    selector = deployment.split("selector:")[1].split("strategy:")[0]
    assert "team" not in selector


def test_the_largest_memory_request_is_the_largest_fargate_size_less_its_components(configs) -> None:
    """A pod's memory request plus what Fargate reserves for the kubelet, kube-proxy and containerd must fit its
    largest size (EKS user guide, recorded in workloads/data/fargate_facts.json): one MiB more is refused."""
    from workloads.service_chart import release_values, render

    facts = json.loads(FARGATE_FACTS.read_text())["pod_sizes"]
    largest_gb = max(max(sizes) if isinstance(sizes, list) else sizes["to"] for sizes in facts["combinations_gb"].values())
    largest = int(largest_gb * 1024) - facts["kubernetes_components_memory_mib"]
    values = release_values(configs["prod"].services["payment"], "example.com/tap/payment")
    values["resources"] = {"requests": {"cpu": "16", "memory": f"{largest}Mi"}, "limits": {"memory": f"{largest}Mi"}}
    render(values, release="payment", namespace="payment")
    values["resources"]["requests"]["memory"] = values["resources"]["limits"]["memory"] = f"{largest + 1}Mi"
    with pytest.raises(helm.HelmError, match=rf"resources\.requests\.memory \({largest + 1}Mi\) must be at most {largest}Mi"):
        render(values, release="payment", namespace="payment")


def test_no_service_may_listen_on_a_port_fargate_reserves(configs) -> None:
    """The kubelet holds its port in each Fargate pod's micro-VM (EKS user guide, recorded in
    workloads/data/fargate_facts.json): a container listening there could never start serving."""
    from workloads.service_chart import release_values, render

    values = release_values(configs["dev"].services["payment"], "example.com/tap/payment")
    for port in json.loads(FARGATE_FACTS.read_text())["reserved_ports"]["ports"]:
        with pytest.raises(helm.HelmError, match=r"/containerPort"):
            render({**values, "containerPort": port}, release="payment", namespace="payment")
        render({**values, "containerPort": port + 1}, release="payment", namespace="payment")
