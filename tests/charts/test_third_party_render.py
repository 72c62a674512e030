"""The third-party releases rendered by the Helm engine from charts/vendor/ with exactly the stack's values.

Each manifest validates against every Kubernetes version in config/eks_versions.yaml (custom
resources against the CRD the chart ships), pods meet Pod Security `restricted` (the namespaces
that enforce it would refuse them otherwise; kube-system does not enforce it, but our values claim
it there too), and the RBAC is what we claim. Without the vendored charts these tests skip with
that one reason; a vendored chart that is there but broken fails them.
"""

from __future__ import annotations

import json

import jsonschema
import kubernetes_validate
import pytest

from tests.conftest import Synthesized
from tests.eks_platform.test_version_matrix import VERSIONS, schemas_read_once  # noqa: F401 (the fixture, shared)
from workloads.third_party_charts import missing_or_wrong
from workloads.third_party_render import chart_of, custom_resource_schemas, render_release, third_party_releases, vendored

pytestmark = pytest.mark.skipif(not vendored(), reason="third-party charts not vendored: run `make vendor-charts`")

Rendered = dict[tuple[str, str], list[dict]]
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}


@pytest.fixture(scope="module")
def third_party(synthesized: dict[str, Synthesized]) -> Rendered:
    """(environment, chart) -> manifests."""
    assert missing_or_wrong() == {}, "charts/vendor/ is not the pinned content: run `make vendor-charts`"
    result = {}
    for env, synth in synthesized.items():
        for release in third_party_releases(synth.workloads).values():
            result[(env, chart_of(release))] = render_release(release, synth.config)
    return result


def enforcing_namespaces(synth: Synthesized) -> set[str]:
    namespaces = synth.resources("workloads", "kubernetes_namespace_v1").values()
    return {
        n["metadata"]["name"]
        for n in namespaces
        if n["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") == "restricted"
    }


def test_every_release_renders_its_workload(third_party: Rendered, synthesized: dict[str, Synthesized]) -> None:
    assert {chart for _, chart in third_party} == {"aws-load-balancer-controller", "metrics-server", "kube-state-metrics"}
    assert {env for env, _ in third_party} == set(synthesized)
    for key, manifests in third_party.items():
        assert [m for m in manifests if m["kind"] == "Deployment"], key


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.usefixtures("schemas_read_once")
def test_every_manifest_is_valid_for_the_version(version: str, third_party: Rendered) -> None:
    seen: set[str] = set()
    for (env, chart), manifests in third_party.items():
        crds = custom_resource_schemas(chart)
        for manifest in manifests:
            if json.dumps(manifest, sort_keys=True) in seen:  # the same object in another environment
                continue
            seen.add(json.dumps(manifest, sort_keys=True))
            where = f"{version} {env} {chart} {manifest['kind']} {manifest['metadata']['name']}"
            schema = crds.get((manifest["apiVersion"], manifest["kind"]))
            if schema is not None:  # a custom resource of the chart's own CRD
                try:
                    jsonschema.validate(manifest.get("spec", {}), schema.get("properties", {}).get("spec", {}))
                except jsonschema.ValidationError as error:
                    pytest.fail(f"{where}: {error.message}")
                continue
            try:
                kubernetes_validate.validate(manifest, f"{version}.0", strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{where}: {error.message} at {'.'.join(map(str, error.path))}")


def restricted_violations(pod: dict) -> list[str]:
    """Pod Security Standards, restricted profile (kubernetes.io/docs/concepts/security/pod-security-standards)."""
    found = []
    context = pod.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            found.append(field)
    found += [f"volume {v['name']}" for v in pod.get("volumes", []) if not set(v) - {"name"} <= RESTRICTED_VOLUMES]
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        own = container.get("securityContext", {})
        name = container["name"]
        if own.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation")
        if own.get("privileged"):
            found.append(f"{name}: privileged")
        if "ALL" not in own.get("capabilities", {}).get("drop", []) or set(own.get("capabilities", {}).get("add", [])) - {
            "NET_BIND_SERVICE"
        }:
            found.append(f"{name}: capabilities")
        if own.get("runAsNonRoot", context.get("runAsNonRoot")) is not True:
            found.append(f"{name}: runAsNonRoot")
        if own.get("runAsUser", context.get("runAsUser")) == 0:
            found.append(f"{name}: runAsUser 0")
        if own.get("seccompProfile", context.get("seccompProfile", {})).get("type") not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile")
        if any(p.get("hostPort") for p in container.get("ports", [])):
            found.append(f"{name}: hostPort")
    return found


def test_pods_meet_pod_security_restricted(third_party: Rendered, synthesized: dict[str, Synthesized]) -> None:
    for (env, chart), manifests in third_party.items():
        for manifest in manifests:
            if manifest["kind"] in WORKLOADS:
                pod = manifest["spec"]["template"]["spec"]
                assert restricted_violations(pod) == [], (
                    env,
                    chart,
                    manifest["metadata"]["namespace"] in enforcing_namespaces(synthesized[env]),
                )


def test_the_restricted_check_can_fail() -> None:
    pod = {"hostNetwork": True, "containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}}}]}
    assert restricted_violations(pod) == [
        "hostNetwork",
        "c: allowPrivilegeEscalation",
        "c: capabilities",
        "c: runAsNonRoot",
        "c: seccompProfile",
    ]


def test_images_render_pinned_by_tag_and_digest_where_published(third_party: Rendered, configs) -> None:
    """Pinned as the lock says; kube-state-metrics (registry.k8s.io) through the environment's pull-through cache."""
    from config.image_mirror import repository_prefix
    from config.pins import lock

    for (env, chart), manifests in third_party.items():
        image = lock()[chart]["image"]
        repository = image["repository"]
        if chart == "kube-state-metrics":
            mirror = f"111122223333.dkr.ecr.{configs[env].region}.amazonaws.com/{repository_prefix(configs[env].cluster_name, 'k8s')}"
            repository = repository.replace("registry.k8s.io", mirror, 1)
        expected = f"{repository}:{image['tag']}" + (f"@{image['digest']}" if image["digest"] else "")
        (deployment,) = [m for m in manifests if m["kind"] == "Deployment"]
        assert [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]] == [expected], (env, chart)


def rules(manifests: list[dict], kind: str) -> list[dict]:
    return [rule for m in manifests if m["kind"] == kind for rule in m.get("rules", [])]


def test_kube_state_metrics_may_only_list_and_watch_pods_and_autoscalers(third_party: Rendered) -> None:
    """What the alarms read, and no more: kube-state-metrics gets a ClusterRole for its collectors only."""
    for (env, chart), manifests in third_party.items():
        if chart != "kube-state-metrics":
            continue
        granted = {
            (group, resource, verb)
            for r in rules(manifests, "ClusterRole")
            for group in r["apiGroups"]
            for resource in r["resources"]
            for verb in r["verbs"]
        }
        assert granted == {
            ("", "pods", "list"),
            ("", "pods", "watch"),
            ("autoscaling", "horizontalpodautoscalers", "list"),
            ("autoscaling", "horizontalpodautoscalers", "watch"),
        }, env
        assert not rules(manifests, "Role"), env


def test_no_third_party_role_reads_secrets_cluster_wide_except_the_controllers_own(third_party: Rendered) -> None:
    """metrics-server and kube-state-metrics never read Secrets; the controller reads them (TLS for its
    webhook, and Ingress TLS) as upstream documents, and that is the one exception."""
    for (env, chart), manifests in third_party.items():
        if chart == "aws-load-balancer-controller":
            continue
        for rule in rules(manifests, "ClusterRole") + rules(manifests, "Role"):
            assert "secrets" not in rule.get("resources", []) and "*" not in rule.get("resources", []), (env, chart, rule)


def only(manifests: list[dict], kind: str) -> dict:
    (found,) = [m for m in manifests if m["kind"] == kind]
    return found


def test_metrics_server_listens_off_the_kubelet_port_as_the_chart_renders_it(third_party: Rendered) -> None:
    """docs/runtime.md's claim, in the manifests: two replicas serving on 10251 (Fargate's kubelet holds 10250)."""
    for (env, chart), manifests in third_party.items():
        if chart != "metrics-server":
            continue
        deployment = only(manifests, "Deployment")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert deployment["spec"]["replicas"] == 2, env
        assert [p["containerPort"] for p in container["ports"]] == [10251] and "--secure-port=10251" in container["args"], env
        assert only(manifests, "APIService")["spec"]["service"]["name"] == only(manifests, "Service")["metadata"]["name"]


def test_kube_state_metrics_serves_where_the_collector_scrapes(third_party: Rendered) -> None:
    from workloads.collector_config import KUBE_STATE_METRICS_PORT

    for (env, chart), manifests in third_party.items():
        if chart != "kube-state-metrics":
            continue
        service = only(manifests, "Service")
        assert service["metadata"]["name"] == "kube-state-metrics", env  # the collector's target: kube-state-metrics.<namespace>.svc
        (port,) = service["spec"]["ports"]
        (container,) = only(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
        assert port["port"] == KUBE_STATE_METRICS_PORT and f"--port={KUBE_STATE_METRICS_PORT}" in container["args"], env
        assert "--resources=pods,horizontalpodautoscalers" in container["args"], env


def test_the_controller_is_told_its_cluster_vpc_and_region(third_party: Rendered, synthesized: dict[str, Synthesized]) -> None:
    """Fargate pods have no instance metadata: the rendered arguments carry all three (stand-ins for the apply-time ones)."""
    for (env, chart), manifests in third_party.items():
        if chart != "aws-load-balancer-controller":
            continue
        (container,) = only(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
        config = synthesized[env].config
        assert {f"--cluster-name={config.cluster_name}", "--aws-vpc-id=vpc-0123456789abcdef0", f"--aws-region={config.region}"} <= set(
            container["args"]
        )
        assert container["resources"]["limits"]["memory"] == container["resources"]["requests"]["memory"], env
