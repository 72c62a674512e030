"""Service teams' least privilege (RBAC Role bound to their access entry's group) and the platform's
IngressClasses (the controller accepts only those, each pinned to its namespaces)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from config.access import principal_key
from tests.conftest import Synthesized

FACTS = json.loads((Path(__file__).resolve().parents[2] / "workloads" / "data" / "alb_controller_ingress_class_facts.json").read_text())
# What a service team must never do in its namespace (issue 20): change what routes traffic to it or
# what isolates it, grant itself more, or open a shell in a protected environment.
FORBIDDEN_WRITES = {
    ("networking.k8s.io", "ingresses"),
    ("", "services"),
    ("vpcresources.k8s.aws", "securitygrouppolicies"),
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
}
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "*", "escalate", "bind", "impersonate"}


def team_roles(env: Synthesized) -> dict[str, dict[str, Any]]:
    return env.resources("workloads", "kubernetes_role_v1")


def grants(role: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in role["rule"]
        for group in rule["api_groups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_each_service_namespace_has_the_team_role_bound_to_the_teams_access_entry_group(env: Synthesized) -> None:
    roles = team_roles(env)
    bindings = env.resources("workloads", "kubernetes_role_binding_v1")
    entries = env.resources("platform", "aws_eks_access_entry")
    for service, spec in env.config.services.items():
        (role,) = [r for r in roles.values() if r["metadata"]["namespace"] == spec.namespace]
        (binding,) = [b for b in bindings.values() if b["metadata"]["namespace"] == spec.namespace]
        assert binding["role_ref"] == {"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"]}
        (subject,) = binding["subject"]
        assert subject["kind"] == "Group"
        assert not subject["name"].startswith("system:")  # EKS refuses access-entry groups with the system: prefix
        for arn in env.config.service_team_arns.get(service, ()):
            entry = entries.get(f"eks_access_{principal_key(arn)}")
            if entry is not None:  # the emulator has no access entries
                assert subject["name"] in entry["kubernetes_groups"]


def test_service_teams_cannot_change_routing_isolation_or_rbac(env: Synthesized) -> None:
    for name, role in team_roles(env).items():
        for group, resource, verb in grants(role):
            assert "*" not in (group, resource), name
            if (group, resource) in FORBIDDEN_WRITES:
                assert verb not in WRITE_VERBS, (name, group, resource, verb)
            if group == "rbac.authorization.k8s.io":
                raise AssertionError(f"{name}: no RBAC access at all")
            assert resource != "secrets", name
            # the one write: rollout restart
            if verb in WRITE_VERBS:
                assert (group, resource, verb) in {
                    ("apps", "deployments", "patch"),
                    ("", "pods/exec", "create"),
                    ("", "pods/portforward", "create"),
                }


def test_service_teams_read_logs_and_restart_rollouts(env: Synthesized) -> None:
    for role in team_roles(env).values():
        granted = grants(role)
        assert {("", "pods", "get"), ("", "pods", "list"), ("", "pods/log", "get"), ("apps", "deployments", "patch")} <= granted


def test_no_exec_or_port_forward_in_protected_environments(env: Synthesized) -> None:
    for role in team_roles(env).values():
        interactive = {(r, v) for _, r, v in grants(role) if r in ("pods/exec", "pods/portforward", "pods/attach")}
        if env.config.protected:
            assert interactive == set()
        else:
            assert ("pods/exec", "create") in interactive


# --- the platform's IngressClasses ---------------------------------------------------------------


def ingress_class_values(env: Synthesized) -> dict[str, Any]:
    release = env.resources("workloads", "helm_release")["ingress_classes_release"]
    return json.loads(release["values"][0])


def rendered_classes(values: dict[str, Any]) -> list[dict[str, Any]]:
    from workloads.ingress_classes import CHART_DIR
    from workloads.service_chart import render

    files = render(values, release="ingress-classes", namespace="kube-system", chart_dir=CHART_DIR)
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def test_the_controller_accepts_only_the_platforms_classes(env: Synthesized) -> None:
    controller = json.loads(env.resources("workloads", "helm_release")["alb_controller_release"]["values"][0])
    for key in ("createIngressClassResource", "disableIngressClassAnnotation", "disableIngressGroupNameAnnotation"):
        assert key in FACTS["chart_values"]["keys"]
    assert controller["createIngressClassResource"] is False  # no parameterless `alb` class
    assert controller["disableIngressClassAnnotation"] is True  # the annotation would bypass IngressClassParams
    assert controller["disableIngressGroupNameAnnotation"] is True  # only the class names the group


def test_each_class_pins_its_scheme_group_and_namespaces(env: Synthesized) -> None:
    from eks_platform.service_network import chart_values

    docs = rendered_classes(ingress_class_values(env))
    params = {d["metadata"]["name"]: d for d in docs if d["kind"] == "IngressClassParams"}
    classes = {d["metadata"]["name"]: d for d in docs if d["kind"] == "IngressClass"}
    crd = FACTS["ingress_class_params"]
    assert set(params) == set(classes)
    for name, param in params.items():
        assert param["apiVersion"] == f"{crd['group']}/{crd['version']}"
        assert set(param["spec"]) <= set(crd["spec_fields"])
        assert param["spec"]["scheme"] in crd["scheme_enum"]
        assert set(param["spec"].get("group", {})) <= set(crd["group_fields"])
        assert set(param["spec"]["namespaceSelector"]) <= set(crd["namespace_selector_fields"])
        spec = classes[name]["spec"]
        assert spec["controller"] == FACTS["controller_name"]["value"]
        assert spec["parameters"] == {"apiGroup": crd["group"], "kind": "IngressClassParams", "name": name}
    for config in env.config.services.values():
        ingress = chart_values(config)["ingress"]
        if not ingress["enabled"]:
            continue
        name = f"tap-{ingress['scheme']}"
        (expression,) = params[name]["spec"]["namespaceSelector"]["matchExpressions"]
        assert expression["key"] == "kubernetes.io/metadata.name" and expression["operator"] == "In"
        assert config.namespace in expression["values"]
        assert params[name]["spec"]["scheme"] == ingress["scheme"]
        assert params[name]["spec"]["group"] == {"name": f"{env.config.cluster_name}-{ingress['scheme']}"}
    selected = [ns for p in params.values() for ns in p["spec"]["namespaceSelector"]["matchExpressions"][0]["values"]]
    assert set(selected) <= {spec.namespace for spec in env.config.services.values()}


def test_classes_wait_for_the_controller_and_releases_wait_for_the_classes(env: Synthesized) -> None:
    releases = env.resources("workloads", "helm_release")
    assert "helm_release.alb_controller_release" in releases["ingress_classes_release"]["depends_on"]
    for service in env.config.services:
        assert "helm_release.ingress_classes_release" in releases[f"release_{service}"]["depends_on"]


def test_a_dedicated_ingress_gets_a_class_without_a_group(configs) -> None:
    from workloads.ingress_classes import class_values
    from workloads.service_chart import release_values, render

    values = class_values("tap-dev", {"ledger": ("ledger", "internal", True), "payment": ("payment", "internal", False)})
    params = {d["metadata"]["name"]: d["spec"] for d in rendered_classes(values) if d["kind"] == "IngressClassParams"}
    assert "group" not in params["tap-internal-dedicated"] and params["tap-internal"]["group"] == {"name": "tap-dev-internal"}
    assert params["tap-internal-dedicated"]["namespaceSelector"]["matchExpressions"][0]["values"] == ["ledger"]
    spec = configs["dev"].services["payment"]
    chart = copy.deepcopy(release_values(spec, "111122223333.dkr.ecr.us-east-1.amazonaws.com/x"))  # never the session's config
    chart["ingress"]["dedicated"] = True
    manifests = [doc for text in render(chart, release="payment", namespace="payment").values() for doc in yaml.safe_load_all(text) if doc]
    (ingress,) = [m for m in manifests if m["kind"] == "Ingress"]
    assert ingress["spec"]["ingressClassName"] == "tap-internal-dedicated"
