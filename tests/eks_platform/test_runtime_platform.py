"""Issue 11 on the platform side: flow-logs trust, CoreDNS autoscaling, log groups per Fargate namespace."""

from __future__ import annotations

import json

import yaml

from config.loader import REPO_ROOT
from config.model import EmulatorFeature
from eks_platform.addons import COREDNS_AUTOSCALING_SINCE
from tests.conftest import Synthesized


def test_flow_logs_role_trusts_only_this_accounts_flow_logs(env: Synthesized) -> None:
    if not env.config.flow_logs:
        return
    trust = env.data("platform", "aws_iam_policy_document")["network_flow_logs_trust"]
    (statement,) = trust["statement"]
    assert statement["principals"] == [{"identifiers": ["vpc-flow-logs.amazonaws.com"], "type": "Service"}]
    conditions = {c["variable"]: c for c in statement["condition"]}
    assert conditions["aws:SourceAccount"]["test"] == "StringEquals"
    assert conditions["aws:SourceAccount"]["values"] == ["${data.aws_caller_identity.caller.account_id}"]
    assert conditions["aws:SourceArn"]["test"] == "ArnLike"
    (arn,) = conditions["aws:SourceArn"]["values"]
    assert arn.startswith("arn:${data.aws_partition.partition.partition}:ec2:" + env.config.region + ":")
    assert arn.endswith(":${data.aws_caller_identity.caller.account_id}:vpc-flow-log/*")


def test_coredns_scales_with_the_cluster(env: Synthesized) -> None:
    if env.config.omits(EmulatorFeature.EKS_ADDONS):
        return
    coredns = env.resources("platform", "aws_eks_addon")["addons_coredns"]
    configuration = json.loads(coredns["configuration_values"])
    scaling = configuration["autoScaling"]
    assert scaling["enabled"] is True
    assert 2 <= scaling["minReplicas"] <= scaling["maxReplicas"]
    assert configuration["computeType"] == "fargate"


def test_coredns_autoscaling_is_in_the_addon_schema_for_every_supported_version() -> None:
    versions = yaml.safe_load((REPO_ROOT / "config" / "eks_versions.yaml").read_text())
    since = tuple(int(p) for p in COREDNS_AUTOSCALING_SINCE.split("."))
    for version in versions:
        assert tuple(int(p) for p in str(version).split(".")) >= since, version


def test_kube_system_logs_go_to_a_platform_created_encrypted_group(env: Synthesized) -> None:
    groups = {g["name"]: g for g in env.resources("platform", "aws_cloudwatch_log_group").values()}
    group = groups[env.config.fargate_log_group("kube-system")]
    assert group["kms_key_id"] == "${aws_kms_key.encryption_platform_data_key.arn}"
    assert group["retention_in_days"] == env.config.log_retention_days


def test_aws_apis_are_reached_through_private_endpoints(env: Synthesized) -> None:
    endpoints = env.resources("platform", "aws_vpc_endpoint")
    region = env.config.region
    interface = {e["service_name"]: e for e in endpoints.values() if e["vpc_endpoint_type"] == "Interface"}
    wanted = {"ecr.api", "ecr.dkr", "sts", "logs", "secretsmanager"}
    assert set(interface) == {f"com.amazonaws.{region}.{s}" for s in wanted}
    private_subnets = {f"${{aws_subnet.network_private_{zone}.id}}" for zone in env.config.vpc.availability_zones}
    for endpoint in interface.values():
        assert endpoint["private_dns_enabled"] is True
        assert set(endpoint["subnet_ids"]) == private_subnets
        assert endpoint["security_group_ids"] == ["${aws_security_group.vpc_endpoints_security_group.id}"]
    (s3,) = [e for e in endpoints.values() if e["vpc_endpoint_type"] == "Gateway"]
    assert s3["service_name"] == f"com.amazonaws.{region}.s3"
    assert set(s3["route_table_ids"]) == {
        f"${{aws_route_table.network_private_{zone}_route_table.id}}" for zone in env.config.vpc.availability_zones
    }


def test_endpoint_security_group_admits_only_the_vpc_on_443(env: Synthesized) -> None:
    group = env.resources("platform", "aws_security_group")["vpc_endpoints_security_group"]
    assert "ingress" not in group and "egress" not in group  # rules are separate resources; no egress at all
    own = "${aws_security_group.vpc_endpoints_security_group.id}"
    (ingress,) = [r for r in env.resources("platform", "aws_vpc_security_group_ingress_rule").values() if r["security_group_id"] == own]
    assert (ingress["from_port"], ingress["to_port"], ingress["ip_protocol"]) == (443, 443, "tcp")
    assert ingress["cidr_ipv4"] == env.config.vpc.cidr
    assert not [r for r in env.resources("platform", "aws_vpc_security_group_egress_rule").values() if r["security_group_id"] == own]


# --- security groups for pods -----------------------------------------------------------------


def rules(env: Synthesized, kind: str) -> dict[str, dict]:
    """The security group rules of one direction, in the field names of aws_vpc_security_group_*_rule."""
    found = {}
    for name, rule in env.resources("platform", "aws_security_group_rule").items():
        if rule["type"] != kind:
            continue
        if "cidr_blocks" in rule:
            peer = {"cidr_ipv4": rule["cidr_blocks"][0]}
        else:
            peer = {"referenced_security_group_id": rule["source_security_group_id"]}
        ports = {"from_port": rule["from_port"], "to_port": rule["to_port"]}
        found[name] = {"security_group_id": rule["security_group_id"], "ip_protocol": rule["protocol"], **ports, **peer}
    return found


def group_ref(logical: str) -> str:
    return f"${{aws_security_group.{logical}.id}}"


def service_group(service: str) -> str:
    return group_ref(f"security_groups_service_{service.replace('-', '_')}")


def test_each_service_has_its_own_security_group_reached_only_by_its_load_balancer(env: Synthesized) -> None:
    from eks_platform.service_network import ServiceNetwork

    ingress = rules(env, "ingress")
    for service, spec in env.config.services.items():
        network = ServiceNetwork.of(spec)
        into = [r for r in ingress.values() if r["security_group_id"] == service_group(service)]
        sources = {r["referenced_security_group_id"] for r in into}
        assert all("cidr_ipv4" not in r for r in into), "no CIDR may reach a service's pods"
        assert all((r["from_port"], r["to_port"]) == (network.container_port,) * 2 for r in into)
        callers = {service_group(s) for s, other in env.config.services.items() if service in other.reaches}
        expected_alb = {group_ref(f"security_groups_alb_{network.scheme.replace('-', '_')}")} if network.scheme else set()
        assert sources == expected_alb | callers, service


def test_service_pods_share_no_self_referencing_group(env: Synthesized) -> None:
    pods = group_ref("security_groups_pods")
    for rule in [*rules(env, "ingress").values(), *rules(env, "egress").values()]:
        if rule["security_group_id"] == pods:
            assert rule.get("referenced_security_group_id") != pods


def test_pods_reach_coredns_and_the_api_server_and_the_kubelet_is_reachable(env: Synthesized) -> None:
    pods = group_ref("security_groups_pods")
    egress = [r for r in rules(env, "egress").values() if r["security_group_id"] == pods]
    ingress = list(rules(env, "ingress").values())
    assert any(r["from_port"] == 443 and r.get("cidr_ipv4") == "0.0.0.0/0" for r in egress)
    if env.config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP):
        return
    cluster_group = "${aws_eks_cluster.eks_cluster.vpc_config[0].cluster_security_group_id}"
    assert {(r["ip_protocol"], r["from_port"]) for r in egress if r.get("referenced_security_group_id") == cluster_group} == {
        ("udp", 53),
        ("tcp", 53),
    }
    into_cluster = {(r["ip_protocol"], r["from_port"]) for r in ingress if r["security_group_id"] == cluster_group}
    assert into_cluster == {("udp", 53), ("tcp", 53), ("tcp", 443)}
    assert all(r["referenced_security_group_id"] == pods for r in ingress if r["security_group_id"] == cluster_group)
    (kubelet,) = [r for r in ingress if r["security_group_id"] == pods]
    assert (kubelet["from_port"], kubelet["referenced_security_group_id"]) == (10250, cluster_group)


def test_load_balancer_groups_admit_listeners_by_scheme(env: Synthesized) -> None:
    ingress = rules(env, "ingress").values()
    internal = [r for r in ingress if r["security_group_id"] == group_ref("security_groups_alb_internal")]
    public = [r for r in ingress if r["security_group_id"] == group_ref("security_groups_alb_internet_facing")]
    assert {(r["from_port"], r["cidr_ipv4"]) for r in internal} == {(80, env.config.vpc.cidr), (443, env.config.vpc.cidr)}
    assert {(r["from_port"], r["cidr_ipv4"]) for r in public} == {(80, "0.0.0.0/0"), (443, "0.0.0.0/0")}


# --- load balancer access logs ------------------------------------------------------------------


def test_access_log_bucket_is_private_encrypted_and_writable_only_by_elb(env: Synthesized) -> None:
    encryption = env.resources("platform", "aws_s3_bucket_server_side_encryption_configuration")["alb_access_logs_encryption"]
    (rule,) = encryption["rule"]
    assert rule["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"  # ALB logs accept SSE-S3 only
    block = env.resources("platform", "aws_s3_bucket_public_access_block")["alb_access_logs_public_access_block"]
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    lifecycle = env.resources("platform", "aws_s3_bucket_lifecycle_configuration")["alb_access_logs_lifecycle"]
    assert lifecycle["rule"][0]["expiration"][0]["days"] == env.config.log_retention_days
    document = env.data("platform", "aws_iam_policy_document")["alb_access_logs_policy_document"]
    *writes, tls_only = document["statement"]
    for statement in writes:
        assert statement["effect"] == "Allow" and statement["actions"] == ["s3:PutObject"]
        (resource,) = statement["resources"]
        assert f"/{env.config.cluster_name}/AWSLogs/" in resource
    # Nothing reaches the bucket without TLS.
    assert (tls_only["effect"], tls_only["actions"]) == ("Deny", ["s3:*"])
    assert tls_only["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    bucket = env.resources("platform", "aws_s3_bucket")["alb_access_logs_bucket"]
    assert bucket["force_destroy"] is (not env.config.protected)
