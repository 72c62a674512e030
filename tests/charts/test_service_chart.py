"""The service chart, rendered by the Helm engine (each version's schemas: tests/eks_platform/test_version_matrix.py)."""

from __future__ import annotations

from typing import Any

import helm_python as helm

from workloads.service_chart import CHART_DIR

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


def test_pods_spread_across_zones(rendered: Manifests) -> None:
    for manifests in rendered.values():
        (deployment,) = by_kind(manifests, "Deployment")
        (spread,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone"
        assert spread["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


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
