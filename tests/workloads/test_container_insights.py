"""Container Insights on Fargate as synthesized and rendered: the collector, kube-state-metrics, their namespace."""

from __future__ import annotations

import json
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from config.eks_versions import support_windows
from config.loader import REPO_ROOT
from config.observability import COLLECTOR_NAMESPACE, COLLECTOR_SERVICE_ACCOUNT, container_insights_log_group
from tests.conftest import Synthesized
from workloads.collector_config import ALARM_METRICS, collector_config, collector_config_text
from workloads.container_insights import CHART_DIR, COLLECTOR_RELEASE, KUBE_STATE_METRICS_ALLOWLIST, collector_values, render_collector
from workloads.stack import POD_SECURITY_LABELS

ROLE_ARN = "arn:aws:iam::111122223333:role/tap-dev-container-insights"
MIRROR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/tap-dev-ecr-public"


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    files = render_collector(cluster_name="tap-dev", region="us-east-1", role_arn=ROLE_ARN, image_mirror=MIRROR)
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def by_kind(manifests: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [m for m in manifests if m["kind"] == kind]
    return found


def test_both_releases_start_after_the_logging_config_and_the_collector_after_kube_state_metrics(env: Synthesized) -> None:
    releases = env.resources("workloads", "helm_release")
    collector, kube_state = releases["container_insights_collector"], releases["container_insights_kube_state_metrics"]
    for release in (collector, kube_state):
        assert release["namespace"] == COLLECTOR_NAMESPACE and release["wait"] is True
        assert "kubernetes_config_map_v1.fargate_logging_aws_logging" in release["depends_on"]
        assert "kubernetes_namespace_v1.container_insights_namespace" in release["depends_on"]
    assert "helm_release.container_insights_kube_state_metrics" in collector["depends_on"]
    assert collector["set"] == [
        {"name": "roleArn", "value": "${data.terraform_remote_state.platform.outputs.container_insights_role_arn}"},
        {"name": "imageMirror", "value": "${data.terraform_remote_state.platform.outputs.public_ecr_mirror}"},
    ]


def test_the_namespace_enforces_pod_security_restricted_and_runs_on_its_own_profile(env: Synthesized) -> None:
    namespace = env.resources("workloads", "kubernetes_namespace_v1")["container_insights_namespace"]["metadata"]
    assert namespace["name"] == COLLECTOR_NAMESPACE and namespace["labels"] == POD_SECURITY_LABELS
    profiles = {p["fargate_profile_name"]: p["selector"] for p in env.resources("platform", "aws_eks_fargate_profile").values()}
    assert profiles[COLLECTOR_NAMESPACE] == [{"namespace": COLLECTOR_NAMESPACE}]


def test_the_collector_writes_to_the_log_groups_the_platform_creates(env: Synthesized) -> None:
    values = json.loads(env.resources("workloads", "helm_release")["container_insights_collector"]["values"][0])
    config = yaml.safe_load(values["config"])
    groups = {g["name"] for g in env.resources("platform", "aws_cloudwatch_log_group").values()}
    for exporter in config["exporters"].values():
        assert exporter["log_group_name"] in groups
        assert exporter["region"] == env.config.region
    assert {container_insights_log_group(env.config.cluster_name, kind) for kind in ("performance", "prometheus")} <= groups
    assert values["clusterName"] == env.config.cluster_name


def test_every_pipeline_names_only_defined_components(env: Synthesized) -> None:
    values = json.loads(env.resources("workloads", "helm_release")["container_insights_collector"]["values"][0])
    config = yaml.safe_load(values["config"])
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline[kind]) <= set(config[kind]), (name, kind)
    assert "${" not in values["config"], "the collector would expand it as an environment variable (escape '$' as '$$')"


def test_kube_state_metrics_exports_what_the_alarms_read_and_runs_restricted(env: Synthesized) -> None:
    values = json.loads(env.resources("workloads", "helm_release")["container_insights_kube_state_metrics"]["values"][0])
    assert {m for m in ALARM_METRICS if m.startswith("kube_")} == set(values["metricAllowlist"]) == set(KUBE_STATE_METRICS_ALLOWLIST)
    assert values["securityContext"]["runAsNonRoot"] is True and values["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = values["containerSecurityContext"]
    assert (
        context["allowPrivilegeEscalation"] is False
        and context["readOnlyRootFilesystem"] is True
        and context["capabilities"] == {"drop": ["ALL"]}
    )


def test_the_collector_pod_meets_pod_security_restricted(manifests: list[dict[str, Any]]) -> None:
    deployment = by_kind(manifests, "Deployment")
    assert deployment["spec"]["replicas"] == 1  # two would count every restart twice
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == COLLECTOR_SERVICE_ACCOUNT
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    context = container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]} and context["runAsNonRoot"] is True
    assert container["resources"]["limits"]["memory"] == container["resources"]["requests"]["memory"]
    assert all(set(v) <= {"name", "emptyDir", "configMap"} for v in pod["volumes"])


def test_the_collector_may_only_read_the_cluster(manifests: list[dict[str, Any]]) -> None:
    role = by_kind(manifests, "ClusterRole")
    verbs = {verb for rule in role["rules"] for verb in rule["verbs"]}
    assert verbs <= {"get", "list", "watch"}
    resources = {resource for rule in role["rules"] for resource in rule["resources"]}
    # nodes/proxy (and pods/proxy) reach the kubelet's exec and attach endpoints: never.
    assert not {"nodes/proxy", "pods/proxy", "*"} & resources
    assert not any("nonResourceURLs" in rule for rule in role["rules"])
    (kubelet,) = [rule for rule in role["rules"] if "nodes/metrics" in rule["resources"]]
    assert set(kubelet["resources"]) == {"nodes/metrics", "nodes/stats"} and kubelet["verbs"] == ["get"]
    account = by_kind(manifests, "ServiceAccount")
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE_ARN}


@pytest.mark.parametrize("version", list(support_windows()))
def test_the_collector_chart_is_valid_for_the_version(version: str, manifests: list[dict[str, Any]]) -> None:
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, f"{version}.0", strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{version} {manifest['kind']}: {error.message} at {'.'.join(map(str, error.path))}")


def test_the_chart_refuses_to_render_without_its_role() -> None:
    with helm.Chart.load(str(CHART_DIR)) as chart, pytest.raises(Exception, match="roleArn"):
        chart.render(collector_values(cluster_name="tap-dev", region="us-east-1"), name=COLLECTOR_RELEASE, namespace=COLLECTOR_NAMESPACE)


def test_pod_network_metrics_come_from_the_sandbox_series_and_the_console_metrics_are_derived() -> None:
    """cAdvisor keeps a pod's network counters on its sandbox (pause) container, whose series has the
    pause image: matching on an empty image (as for CPU and memory) would find none."""
    config = collector_config(cluster_name="tap-dev", region="us-east-1", namespace=COLLECTOR_NAMESPACE)
    renames = {
        t["new_name"]: t.get("experimental_match_labels")
        for t in config["processors"]["metricstransform/pods"]["transforms"]
        if "new_name" in t
    }
    for name in ("pod_network_rx_bytes", "pod_network_tx_bytes"):
        assert "image" not in renames[name] and "container" not in renames[name]
    assert renames["pod_cpu_usage_seconds_total"]["image"] == "^$"
    generated = {r["name"] for key, p in config["processors"].items() if key.split("/")[0] == "metricsgeneration" for r in p["rules"]}
    (declaration,) = config["exporters"]["awsemf/performance"]["metric_declarations"]
    assert set(declaration["metric_name_selectors"]) <= generated | set(renames)
    assert "pod_cpu_utilization_over_pod_limit" in declaration["metric_name_selectors"]


def test_the_configuration_text_is_plain_yaml() -> None:
    text = collector_config_text(cluster_name="tap-dev", region="us-east-1", namespace=COLLECTOR_NAMESPACE)
    assert "&id" not in text and "*id" not in text  # no anchors or aliases
    assert yaml.safe_load(text) == collector_config(cluster_name="tap-dev", region="us-east-1", namespace=COLLECTOR_NAMESPACE)


# --- The configuration against the pinned release's own source (workloads/data/adot_collector.json) ---

UPSTREAM = json.loads((REPO_ROOT / "workloads" / "data" / "adot_collector.json").read_text())
KINDS = ("receivers", "processors", "exporters", "extensions", "connectors")
SIGNALS = ("metrics", "logs", "traces")


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load(collector_config_text(cluster_name="tap-dev", region="us-east-1", namespace=COLLECTOR_NAMESPACE))


def component_type(component_id: str) -> str:
    """`type[/name]`: the collector looks a component up by the part before the first slash."""
    return component_id.split("/", 1)[0]


def test_the_upstream_record_names_the_pinned_release_and_the_image_tag_matches(manifests: list[dict[str, Any]]) -> None:
    release = UPSTREAM["release"]
    assert release["repository"] == "aws-observability/aws-otel-collector" and len(release["commit"]) == 40
    (container,) = by_kind(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
    # Pulled through the ECR pull-through cache: `<mirror>/<upstream repository>:<tag>` (tests/eks_platform/test_image_mirror.py).
    registry, path = release["image"].split("/", 1)
    assert registry == "public.ecr.aws"
    assert container["image"] == f"{MIRROR}/{path}"
    assert container["image"].endswith(":" + release["tag"])


def test_every_component_the_configuration_uses_is_registered_in_the_pinned_release(config: dict[str, Any]) -> None:
    for kind in KINDS:
        registered = set(UPSTREAM["components"][kind])
        for component_id in config.get(kind, {}):
            assert component_type(component_id) in registered, f"{kind}: {component_id!r} is not registered by {UPSTREAM['release']['tag']}"
    for component_id in config["service"]["extensions"]:
        assert component_type(component_id) in set(UPSTREAM["components"]["extensions"])


def test_an_unregistered_name_is_caught() -> None:
    """The check above fails on the name this configuration used to carry (renamed upstream in contrib)."""
    assert "experimental_metricsgeneration" not in UPSTREAM["components"]["processors"]
    assert "metricsgeneration" in UPSTREAM["components"]["processors"]


def test_every_pipeline_names_only_defined_components_and_every_component_is_used(config: dict[str, Any]) -> None:
    used: dict[str, set[str]] = {kind: set() for kind in ("receivers", "processors", "exporters")}
    for name, pipeline in config["service"]["pipelines"].items():
        assert component_type(name) in SIGNALS, name
        assert set(pipeline) <= set(used) and pipeline["receivers"] and pipeline["exporters"], name
        for kind, ids in pipeline.items():
            assert set(ids) <= set(config[kind]), (name, kind)
            used[kind] |= set(ids)
    # Nothing defined and left idle: a component the collector starts must be in a pipeline.
    for kind, ids in used.items():
        assert set(config[kind]) == ids, f"{kind} defined but in no pipeline: {set(config[kind]) - ids}"
    assert set(config["service"]["extensions"]) == set(config["extensions"])


def test_the_configuration_has_the_collectors_shape(config: dict[str, Any]) -> None:
    assert set(config) <= {*KINDS, "service"} and "service" in config
    assert set(config["service"]) <= {"extensions", "pipelines", "telemetry"}
    for kind in KINDS:
        assert isinstance(config.get(kind, {}), dict)


def unknown_keys(value: Any, accepted: Any, path: str) -> list[str]:
    """Keys in `value` outside the accepted tree (None: a leaf, any value; dict: a struct; [dict]: a list of structs)."""
    if accepted is None:
        return []
    if isinstance(accepted, list):
        assert isinstance(value, list), path
        return [error for index, item in enumerate(value) for error in unknown_keys(item, accepted[0], f"{path}[{index}]")]
    assert isinstance(value, dict), path
    return [f"{path}.{key}" for key in value if key not in accepted] + [
        error for key, item in value.items() if key in accepted for error in unknown_keys(item, accepted[key], f"{path}.{key}")
    ]


def test_every_key_the_configuration_sets_is_accepted_by_the_components_config_struct(config: dict[str, Any]) -> None:
    schemas = UPSTREAM["config_keys"]
    for kind in KINDS:
        for component_id, settings in config.get(kind, {}).items():
            schema = schemas.get(f"{kind[:-1]}/{component_type(component_id)}")
            assert schema is not None, f"no upstream record of {component_id}'s config keys"
            assert unknown_keys(settings or {}, schema["keys"], component_id) == []


def test_the_key_check_catches_a_key_the_struct_does_not_have() -> None:
    schema = UPSTREAM["config_keys"]["processor/metricsgeneration"]["keys"]
    assert unknown_keys({"rules": [{"name": "x", "scale": 2}]}, schema, "p") == ["p.rules[0].scale"]


def test_metric_generation_rules_use_the_types_and_operations_upstream_defines(config: dict[str, Any]) -> None:
    upstream = UPSTREAM["config_keys"]["processor/metricsgeneration"]
    for component_id, settings in config["processors"].items():
        if component_type(component_id) == "metricsgeneration":
            for rule in settings["rules"]:
                assert rule["type"] in upstream["rule_types"] and rule["operation"] in upstream["operations"], rule
                assert rule["name"] not in (rule["metric1"], rule.get("metric2")), rule


def test_the_collector_scrapes_each_kubelet_directly_not_through_the_api_servers_node_proxy(config: dict[str, Any]) -> None:
    (kubelet,) = config["receivers"]["prometheus/kubelet"]["config"]["scrape_configs"]
    assert kubelet["kubernetes_sd_configs"] == [{"role": "node"}]
    assert kubelet["scheme"] == "https" and kubelet["metrics_path"] == "/metrics/cadvisor"
    assert kubelet["tls_config"]["ca_file"].endswith("/ca.crt") and "insecure_skip_verify" not in kubelet["tls_config"]
    assert kubelet["bearer_token_file"].endswith("/token")
    # The node role's own address is <InternalIP>:<kubelet port>: nothing may rewrite it or the path.
    targets = {rule.get("target_label") for rule in kubelet.get("relabel_configs", [])}
    assert not {"__address__", "__metrics_path__", "__scheme__"} & targets
    assert "/proxy/" not in yaml.safe_dump(config)
