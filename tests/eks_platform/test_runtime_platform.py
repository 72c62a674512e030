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
    (ingress,) = group["ingress"]
    assert (ingress["from_port"], ingress["to_port"], ingress["protocol"]) == (443, 443, "tcp")
    assert ingress["cidr_blocks"] == [env.config.vpc.cidr]
    assert group["egress"] == []
