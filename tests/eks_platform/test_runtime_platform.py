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


# Endpoints and security groups for pods: tests/eks_platform/test_isolation.py (the isolation table in docs/security.md).


# --- load balancer access logs ------------------------------------------------------------------


def test_access_log_bucket_is_private_encrypted_and_writable_only_by_elb(env: Synthesized) -> None:
    for prefix in ("alb_access_logs", "alb_access_logs_access_bucket"):  # the logs, and the record of access to them
        encryption = env.resources("platform", "aws_s3_bucket_server_side_encryption_configuration")[f"{prefix}_encryption"]
        (rule,) = encryption["rule"]
        assert rule["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"  # ALB logs accept SSE-S3 only
        block = env.resources("platform", "aws_s3_bucket_public_access_block")[f"{prefix}_public_access_block"]
        assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
        lifecycle = env.resources("platform", "aws_s3_bucket_lifecycle_configuration")[f"{prefix}_lifecycle"]
        assert lifecycle["rule"][0]["expiration"][0]["days"] == env.config.log_retention_days
        # A replaced or deleted log's old version lives at least as long as the logs (PCI DSS 10.5.1).
        assert lifecycle["rule"][0]["noncurrent_version_expiration"][0]["noncurrent_days"] >= env.config.log_retention_days
    document = env.data("platform", "aws_iam_policy_document")["alb_access_logs_policy_document"]
    *writes, tls_only = document["statement"]
    for statement in writes:
        assert statement["effect"] == "Allow" and statement["actions"] == ["s3:PutObject"]
        (resource,) = statement["resources"]
        assert f"/{env.config.cluster_name}/AWSLogs/" in resource
    # Nothing reaches the bucket without TLS.
    assert (tls_only["effect"], tls_only["actions"]) == ("Deny", ["s3:*"])
    assert tls_only["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]
    for bucket in env.resources("platform", "aws_s3_bucket").values():
        assert bucket["force_destroy"] is (not env.config.protected)
