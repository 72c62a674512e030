"""What the workloads stack promises: providers, namespaces, accounts, controller, releases, order."""

from __future__ import annotations

import json

from config.model import dns_label
from config.pins import lock
from tests.conftest import FOURTH_SERVICE, Synthesized
from workloads.alb_controller import RESTRICTED_CONTAINER_SECURITY_CONTEXT
from workloads.stack import POD_SECURITY_LABELS

STATE = "${data.terraform_remote_state.platform.outputs"


def output(name: str, key: str | None = None) -> set[str]:
    """The ways Terraform JSON can refer to a platform output (or one key of a map output)."""
    if key is None:
        return {f"{STATE}.{name}}}"}
    return {f'{STATE}.{name}["{key}"]}}', f"{STATE}.{name}.{key}}}"}


def settings(release: dict) -> dict[str, str]:
    return {entry["name"]: entry["value"] for entry in release.get("set", [])}


def releases(env: Synthesized) -> dict[str, dict]:
    return env.resources("workloads", "helm_release")


def service_release(env: Synthesized, service: str) -> dict:
    return releases(env)[f"release_{service}"]


def controller_release(env: Synthesized) -> dict:
    return releases(env)["alb_controller_release"]


def test_providers_authenticate_with_exec_and_never_a_token(env: Synthesized) -> None:
    (kubernetes,) = env.workloads["provider"]["kubernetes"]
    (helm,) = env.workloads["provider"]["helm"]
    for config, exec_ in ((kubernetes, kubernetes["exec"][0]), (helm["kubernetes"], helm["kubernetes"]["exec"])):
        assert "token" not in config
        assert config["host"] == f"{STATE}.cluster_endpoint}}"
        assert config["cluster_ca_certificate"] == "${base64decode(data.terraform_remote_state.platform.outputs.cluster_ca_data)}"
        assert exec_["command"] == "aws"
        assert exec_["args"][:2] == ["eks", "get-token"]
        assert f"{STATE}.cluster_name}}" in exec_["args"] and f"{STATE}.region}}" in exec_["args"]
    assert "aws_eks_cluster_auth" not in json.dumps(env.workloads.get("data", {}))


def test_workloads_read_the_platform_state_the_platform_writes(env: Synthesized) -> None:
    (remote,) = env.data("workloads", "terraform_remote_state").values()
    platform_backend = env.platform["terraform"]["backend"]
    (kind,) = platform_backend
    assert remote["backend"] == kind
    if kind == "s3":
        assert remote["config"]["key"] == platform_backend["s3"]["key"]
        assert remote["config"]["bucket"] == platform_backend["s3"]["bucket"]
    else:
        assert remote["config"]["path"] == platform_backend["local"]["path"]


def test_service_namespaces_enforce_restricted_pod_security(env: Synthesized) -> None:
    namespaces = {
        n["metadata"]["name"]: n["metadata"].get("labels", {}) for n in env.resources("workloads", "kubernetes_namespace_v1").values()
    }
    for spec in env.config.services.values():
        assert namespaces[spec.namespace]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert POD_SECURITY_LABELS["pod-security.kubernetes.io/enforce"] == "restricted"


def test_service_accounts_carry_the_platforms_role_arns(env: Synthesized) -> None:
    accounts = env.resources("workloads", "kubernetes_service_account_v1")
    for service, spec in env.config.services.items():
        metadata = accounts[f"service_account_{service}"]["metadata"]
        assert metadata["name"] == spec.service_account
        assert metadata["annotations"]["eks.amazonaws.com/role-arn"] in output("service_role_arns", service)
    controller = accounts["alb_controller_service_account"]["metadata"]
    assert controller["namespace"] == "kube-system"
    assert controller["annotations"]["eks.amazonaws.com/role-arn"] == f"{STATE}.alb_controller_role_arn}}"


def test_fargate_logging_routes_every_namespace_to_its_platform_created_group(env: Synthesized) -> None:
    namespaces = {n["metadata"]["name"]: n["metadata"] for n in env.resources("workloads", "kubernetes_namespace_v1").values()}
    assert namespaces["aws-observability"]["labels"] == {"aws-observability": "enabled"}
    (config_map,) = env.resources("workloads", "kubernetes_config_map_v1").values()
    assert config_map["metadata"]["name"] == "aws-logging"
    data = config_map["data"]
    assert data["flb_log_cw"] == "true"
    # The CRI parser runs before the kubernetes filter, which merges JSON logs.
    assert "Name crio" in data["parsers.conf"] and "(?<logtag>P|F) (?<log>.*)$" in data["parsers.conf"]
    filters = data["filters.conf"]
    assert filters.index("Parser crio") < filters.index("Name kubernetes") and "Merge_Log On" in filters
    routes = data["output.conf"]
    assert routes.count("[OUTPUT]") == 1 and "Match kube.*" in routes and "auto_create_group false" in routes
    prefix = f"/aws/eks/{env.config.cluster_name}/workloads/"
    assert f"log_group_template {prefix}$kubernetes['namespace_name']" in routes
    assert f"log_group_name {prefix}kube-system" in routes
    # Every namespace with pods on Fargate has its group, created by the platform with retention and KMS.
    groups = {g["name"] for g in env.resources("platform", "aws_cloudwatch_log_group").values()}
    fargate_namespaces = {"kube-system", *(s.namespace for s in env.config.services.values())}
    assert {prefix + n for n in fargate_namespaces} <= groups


def test_every_release_waits_for_the_logging_config_map(env: Synthesized) -> None:
    for name, release in releases(env).items():
        assert "kubernetes_config_map_v1.fargate_logging_aws_logging" in release["depends_on"], name
        assert "kubernetes_namespace_v1.fargate_logging_namespace" in release["depends_on"], name


def test_logging_config_map_stays_under_the_aws_limit_at_100_services(configs) -> None:
    import pytest

    from workloads.fargate_logging import CONFIG_MAP_MAX_CHARACTERS, logging_data

    config = configs["prod"]
    data = logging_data(
        region=config.region, log_group_prefix=config.fargate_log_group_prefix, fallback_log_group=config.fargate_log_group("kube-system")
    )
    # One templated output: the size does not depend on the number of services at all.
    assert sum(len(k) + len(v) for k, v in data.items()) < CONFIG_MAP_MAX_CHARACTERS
    with pytest.raises(ValueError, match="at most 5300"):
        logging_data(region=config.region, log_group_prefix="/" + "x" * 5300, fallback_log_group="g")


def test_alb_controller_is_pinned_configured_for_fargate_and_uses_the_irsa_account(env: Synthesized) -> None:
    release = controller_release(env)
    assert "repository" not in release  # the vendored copy of the pinned chart, never a download at apply
    assert (release["chart"], release["namespace"]) == ("../../../charts/vendor/aws-load-balancer-controller", "kube-system")
    assert release["version"] == lock()["aws-load-balancer-controller"]["version"]
    values = json.loads(release["values"][0])
    assert values["serviceAccount"] == {"create": False, "name": "aws-load-balancer-controller"}
    assert settings(release) == {"clusterName": f"{STATE}.cluster_name}}", "vpcId": f"{STATE}.vpc_id}}"}
    assert values["region"] == env.config.region
    assert values["replicaCount"] == 2
    # Pod Security "restricted" for the controller's pods too: what the chart templates from these values.
    assert values["securityContext"] == RESTRICTED_CONTAINER_SECURITY_CONTEXT
    assert values["securityContext"]["allowPrivilegeEscalation"] is False
    assert values["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "kubernetes_service_account_v1.alb_controller_service_account" in release["depends_on"]


def test_service_releases_wait_for_controller_namespace_and_account(env: Synthesized) -> None:
    for service in env.config.services:
        release = service_release(env, service)
        assert set(release["depends_on"]) >= {
            "helm_release.alb_controller_release",
            f"kubernetes_namespace_v1.namespace_{service}",
            f"kubernetes_service_account_v1.service_account_{service}",
        }
        assert release["chart"] == "../../../charts/service"
        assert release["atomic"] is True and release["wait"] is True


def test_service_release_values_take_image_and_account_from_the_platform(env: Synthesized) -> None:
    for service, spec in env.config.services.items():
        values = json.loads(service_release(env, service)["values"][0])
        assert settings(service_release(env, service))["image.repository"] in output("repository_urls", service)
        assert values["image"]["tag"] == spec.values["image"]["tag"]
        assert values["serviceAccount"] == {"name": spec.service_account}
        assert len(service) <= 53 and dns_label(service)


def test_a_fourth_service_is_onboarded_from_data_alone(onboarded: Synthesized) -> None:
    service = FOURTH_SERVICE
    assert service in onboarded.config.services
    profiles = onboarded.resources("platform", "aws_eks_fargate_profile")
    names = {p["fargate_profile_name"] for p in profiles.values()}
    assert names == set(onboarded.config.all_fargate_profiles) == {"kube-system", "amazon-cloudwatch", "services"}  # none of its own
    assert f"repository_{service}" in {k.removeprefix("ecr_") for k in onboarded.resources("platform", "aws_ecr_repository")}
    trust = onboarded.data("platform", "aws_iam_policy_document")[f"irsa_{service}_trust"]
    sub = next(c for c in trust["statement"][0]["condition"] if c["variable"].endswith(":sub"))
    assert sub["values"] == ["system:serviceaccount:ledger:ledger-api"]
    assert f"secrets_secret_{service}" in onboarded.resources("platform", "aws_secretsmanager_secret")
    assert f"namespace_{service}" in onboarded.resources("workloads", "kubernetes_namespace_v1")
    account = onboarded.resources("workloads", "kubernetes_service_account_v1")[f"service_account_{service}"]
    assert account["metadata"]["name"] == "ledger-api"
    assert f"release_{service}" in onboarded.resources("workloads", "helm_release")
    groups = {g["name"] for g in onboarded.resources("platform", "aws_cloudwatch_log_group").values()}
    assert onboarded.config.fargate_log_group("ledger") in groups


def test_every_service_release_carries_the_chart_content_digest(env: Synthesized) -> None:
    """The Helm provider diffs values and chart version only: the digest turns a chart edit into a plan diff."""
    from workloads.service_chart import CHART_DIGEST, chart_digest

    for service in env.config.services:
        release = service_release(env, service)
        assert settings(release)[CHART_DIGEST] == chart_digest()
        assert [s["type"] for s in release["set"] if s["name"] == CHART_DIGEST] == ["string"]


def test_any_edit_to_the_chart_changes_the_digest(tmp_path) -> None:
    import shutil

    from workloads.service_chart import CHART_DIR, chart_digest

    chart = tmp_path / "service"
    shutil.copytree(CHART_DIR, chart)
    before = chart_digest(chart)
    assert before == chart_digest(CHART_DIR)
    template = next(p for p in sorted((chart / "templates").iterdir()) if p.suffix == ".yaml")
    template.write_text(template.read_text() + "\n# a comment is a change too\n")
    edited = chart_digest(chart)
    (chart / "templates" / "extra.yaml").write_text("")
    assert len({before, edited, chart_digest(chart)}) == 3


CONTROLLER = "helm_release.alb_controller_release"


def created_kinds(kind: str, block: dict, env: Synthesized, rendered) -> set[str]:
    """What a workloads resource creates in the cluster: a third-party chart's template kinds (upstream facts
    in charts/third_party.lock.json), our charts' rendered kinds, or the resource's own kind."""
    import yaml

    from config.pins import lock
    from workloads.container_insights import render_collector
    from workloads.third_party_render import VENDORED_PREFIX

    if kind == "kubernetes_manifest":
        return {block["manifest"]["kind"]}
    if kind != "helm_release":
        return {"".join(part.title() for part in kind.removeprefix("kubernetes_").removesuffix("_v1").split("_"))}
    chart = block["chart"]
    if chart.startswith(VENDORED_PREFIX):
        return set(lock()[chart.removeprefix(VENDORED_PREFIX)]["upstream_template_kinds"])
    if chart == "../../../charts/service":
        return {m["kind"] for m in rendered[(env.config.name, block["name"])]}
    if chart == "../../../charts/container-insights":
        role = "arn:aws:iam::111122223333:role/example"
        mirror = f"111122223333.dkr.ecr.{env.config.region}.amazonaws.com/{env.config.cluster_name}-ecr-public"
        files = render_collector(cluster_name=env.config.cluster_name, region=env.config.region, role_arn=role, image_mirror=mirror)
        return {d["kind"] for text in files.values() for d in yaml.safe_load_all(text) if d}
    if chart == "../../../charts/ingress-classes":
        from workloads.ingress_classes import CHART_DIR as INGRESS_CLASSES_CHART_DIR
        from workloads.ingress_classes import class_values, service_ingresses
        from workloads.service_chart import render

        values = class_values(env.config.cluster_name, service_ingresses(env.config))
        files = render(values, release=block["name"], namespace=block.get("namespace", "default"), chart_dir=INGRESS_CLASSES_CHART_DIR)
        return {d["kind"] for text in files.values() for d in yaml.safe_load_all(text) if d}
    raise AssertionError(f"a release of an unknown chart {chart}: say what it creates")


def test_whatever_creates_a_service_or_ingress_waits_for_the_controller(env: Synthesized, rendered) -> None:
    """The controller's mutating webhook on Service create has failurePolicy Fail (kubernetes-sigs/aws-load-balancer-controller#4140,
    aws/eks-charts#1058): a Service created before its pods are ready is refused. Destroy runs the same edges backwards."""
    resources = env.workloads["resource"]
    creating = {
        f"{kind}.{name}"
        for kind, group in resources.items()
        for name, block in group.items()
        if kind.startswith(("helm_release", "kubernetes_")) and created_kinds(kind, block, env, rendered) & {"Service", "Ingress"}
    }
    assert {"helm_release.metrics_server_release", "helm_release.container_insights_kube_state_metrics"} <= creating
    assert {f"helm_release.release_{service}" for service in env.config.services} <= creating
    assert not_waiting_for_the_controller(resources, creating) == []
    # The check can fail: the same resources with metrics-server's edge to the controller removed.
    cut = json.loads(json.dumps(resources))
    cut["helm_release"]["metrics_server_release"]["depends_on"].remove(CONTROLLER)
    assert not_waiting_for_the_controller(cut, creating) == ["helm_release.metrics_server_release"]


def not_waiting_for_the_controller(resources: dict, creating: set[str]) -> list[str]:
    """Of `creating`, the addresses with no depends_on path (however long) to the controller's release."""
    depends = {f"{kind}.{name}": block.get("depends_on", []) for kind, group in resources.items() for name, block in group.items()}

    def upstream(address: str, seen: set[str]) -> set[str]:
        for dependency in depends.get(address, []):
            if dependency not in seen:
                seen.add(dependency)
                upstream(dependency, seen)
        return seen

    return sorted(a for a in creating if a != CONTROLLER and CONTROLLER not in upstream(a, set()))
