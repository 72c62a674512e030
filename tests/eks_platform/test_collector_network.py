"""The Container Insights namespace's own security group, as synthesized: each rule, and nothing to the internet."""

from __future__ import annotations

import json
import re

import yaml

from config.model import EmulatorFeature
from tests.conftest import Synthesized

COLLECTOR = "${aws_security_group.collector_network_group.id}"
PODS = "${aws_security_group.security_groups_pods.id}"
ENDPOINTS = "${aws_security_group.vpc_endpoints_security_group.id}"
CLUSTER = "${aws_eks_cluster.eks_cluster.vpc_config[0].cluster_security_group_id}"
# Ports as their owners publish them: the kubelet's (Kubernetes), CoreDNS's metrics port (the EKS
# CoreDNS add-on's kube-dns Service, port `metrics`), kube-state-metrics' Service port (set in its
# values), DNS and HTTPS.
KUBELET, COREDNS_METRICS, KUBE_STATE_METRICS, DNS, HTTPS = 10250, 9153, 8080, 53, 443


S3_PREFIX_LIST = "${aws_vpc_endpoint.vpc_endpoints_s3.prefix_list_id}"


RULE_TYPES = {"ingress": "aws_vpc_security_group_ingress_rule", "egress": "aws_vpc_security_group_egress_rule"}


def collector_rules(env: Synthesized) -> dict[str, tuple[str, dict]]:
    """logical id -> (direction, rule) of every rule the collector's construct creates."""
    return {
        logical_id: (direction, rule)
        for direction, kind in RULE_TYPES.items()
        for logical_id, rule in env.resources("platform", kind).items()
        if logical_id.startswith("collector_network_")
    }


def rules(env: Synthesized) -> set[tuple[str, str, str, int, str]]:
    """(direction, group, peer group, port, protocol) of every group-to-group rule created for the collector."""
    found = set()
    for logical_id, (direction, rule) in collector_rules(env).items():
        if "prefix_list_id" in rule:
            continue
        assert rule["from_port"] == rule["to_port"], logical_id
        assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, logical_id
        found.add((direction, rule["security_group_id"], rule["referenced_security_group_id"], rule["from_port"], rule["ip_protocol"]))
    return found


def has_cluster_group(env: Synthesized) -> bool:
    return not env.config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP)


# What EC2 accepts in a rule's description (the AWS provider checks the same pattern before any API call).
DESCRIPTION = re.compile(r"[0-9A-Za-z_ .:/()#,@\[\]+=&;{}!$*-]{0,255}")


def test_every_rule_description_is_one_ec2_accepts(env: Synthesized) -> None:
    for logical_id, (_, rule) in collector_rules(env).items():
        # Left out only where the emulator reads back no description of a rule to a group (eks_platform/group_rules.py).
        assert DESCRIPTION.fullmatch(rule.get("description", "")), (logical_id, rule.get("description"))
        if not env.config.omits(EmulatorFeature.REFERENCED_RULE_DESCRIPTIONS):
            assert rule["description"], logical_id
    group = env.resources("platform", "aws_security_group")["collector_network_group"]
    assert DESCRIPTION.fullmatch(group["description"])


def test_the_group_belongs_to_the_vpc_and_has_no_inline_rules(env: Synthesized) -> None:
    group = env.resources("platform", "aws_security_group")["collector_network_group"]
    assert group["name"] == f"{env.config.cluster_name}-container-insights"
    assert group["vpc_id"] == "${aws_vpc.network_vpc.id}"
    # No inline egress: Terraform then removes AWS's default allow-all egress rule.
    assert "egress" not in group and "ingress" not in group


def test_egress_goes_only_to_named_groups_on_the_ports_it_scrapes(env: Synthesized) -> None:
    egress = {(peer, port, protocol) for kind, group, peer, port, protocol in rules(env) if kind == "egress" and group == COLLECTOR}
    expected = {
        (COLLECTOR, KUBELET, "tcp"),  # kubelets of this namespace's pods
        (COLLECTOR, KUBE_STATE_METRICS, "tcp"),
        (PODS, KUBELET, "tcp"),  # kubelets of every service pod
        (ENDPOINTS, HTTPS, "tcp"),  # CloudWatch Logs, STS
    }
    if has_cluster_group(env):
        expected |= {
            (CLUSTER, KUBELET, "tcp"),  # kube-system pods run in the cluster group
            (CLUSTER, COREDNS_METRICS, "tcp"),
            (CLUSTER, HTTPS, "tcp"),  # API server
            (CLUSTER, DNS, "udp"),
            (CLUSTER, DNS, "tcp"),
        }
    assert egress == expected


def test_every_egress_is_admitted_on_the_other_side(env: Synthesized) -> None:
    found = rules(env)
    for kind, group, peer, port, protocol in found:
        if kind == "egress" and peer != ENDPOINTS:
            assert ("ingress", peer, group, port, protocol) in found, (peer, port)
    # The endpoints' group admits the whole VPC on 443 (eks_platform/vpc_endpoints.py), the collector included.
    endpoint_ingress = env.resources("platform", "aws_vpc_security_group_ingress_rule")["vpc_endpoints_https_from_vpc"]
    assert endpoint_ingress["security_group_id"] == ENDPOINTS and endpoint_ingress["from_port"] == HTTPS
    assert endpoint_ingress["cidr_ipv4"] == env.config.vpc.cidr


def test_the_pods_and_cluster_groups_admit_the_collector_on_the_kubelet_port(env: Synthesized) -> None:
    found = rules(env)
    assert ("ingress", PODS, COLLECTOR, KUBELET, "tcp") in found
    if has_cluster_group(env):
        assert ("ingress", CLUSTER, COLLECTOR, KUBELET, "tcp") in found
        # The API server (logs) and metrics-server reach this namespace's kubelets.
        assert ("ingress", COLLECTOR, CLUSTER, KUBELET, "tcp") in found
    ingress_on_collector = {(peer, port) for kind, group, peer, port, _ in found if kind == "ingress" and group == COLLECTOR}
    assert ingress_on_collector <= {(COLLECTOR, KUBELET), (COLLECTOR, KUBE_STATE_METRICS), (CLUSTER, KUBELET)}


def test_no_rule_for_the_collector_names_an_address_range(env: Synthesized) -> None:
    """The one prefix list is the S3 gateway endpoint's (image layers), egress on 443 only."""
    for kind in RULE_TYPES.values():
        for logical_id, rule in env.resources("platform", kind).items():
            if COLLECTOR in (rule["security_group_id"], rule.get("referenced_security_group_id")):
                assert logical_id.startswith("collector_network_"), logical_id
                assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, logical_id
    for logical_id, (direction, rule) in collector_rules(env).items():
        if "prefix_list_id" in rule:
            assert rule["prefix_list_id"] == S3_PREFIX_LIST, logical_id
            assert (direction, rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("egress", "tcp", HTTPS, HTTPS)


def test_image_layers_come_from_the_s3_gateway_endpoint(env: Synthesized) -> None:
    """ECR serves layers from S3 (ECR user guide, vpc-endpoints); pulls are assumed to leave through the pod's groups."""
    s3_rules = [rule for _, rule in collector_rules(env).values() if "prefix_list_id" in rule]
    (rule,) = s3_rules
    assert rule["security_group_id"] == COLLECTOR and rule["prefix_list_id"] == S3_PREFIX_LIST
    endpoint = env.resources("platform", "aws_vpc_endpoint")["vpc_endpoints_s3"]
    assert endpoint["vpc_endpoint_type"] == "Gateway" and endpoint["service_name"] == f"com.amazonaws.{env.config.region}.s3"
    # The gateway endpoint is on the route tables of the private subnets, where Fargate pods run.
    assert endpoint["route_table_ids"]


def test_the_namespace_gets_the_group_before_any_pod_starts(env: Synthesized) -> None:
    policy = env.resources("workloads", "kubernetes_manifest")["container_insights_security_group_policy"]
    manifest = policy["manifest"]
    assert manifest["apiVersion"] == "vpcresources.k8s.aws/v1beta1" and manifest["kind"] == "SecurityGroupPolicy"
    assert manifest["metadata"]["namespace"] == "amazon-cloudwatch"
    assert manifest["spec"] == {
        "podSelector": {},
        "securityGroups": {"groupIds": ["${data.terraform_remote_state.platform.outputs.container_insights_security_group_id}"]},
    }
    assert env.platform["output"]["container_insights_security_group_id"]["value"] == COLLECTOR
    releases = env.resources("workloads", "helm_release")
    for name in ("container_insights_collector", "container_insights_kube_state_metrics"):
        assert "kubernetes_manifest.container_insights_security_group_policy" in releases[name]["depends_on"], name


def test_the_collector_scrapes_on_the_ports_the_group_opens(env: Synthesized) -> None:
    values = json.loads(env.resources("workloads", "helm_release")["container_insights_collector"]["values"][0])
    config = yaml.safe_load(values["config"])
    (kube_state, _coredns) = config["receivers"]["prometheus/cluster"]["config"]["scrape_configs"]
    (target,) = kube_state["static_configs"][0]["targets"]
    assert target.endswith(f":{KUBE_STATE_METRICS}")
    kube_state_values = json.loads(env.resources("workloads", "helm_release")["container_insights_kube_state_metrics"]["values"][0])
    assert kube_state_values["service"]["port"] == KUBE_STATE_METRICS
