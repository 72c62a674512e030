"""The deploy runner where the API endpoint is private (eks_platform/deploy_runner.py, docs/deploy-runner.md)."""

from __future__ import annotations

import re

import yaml

from config.model import EmulatorFeature
from eks_platform.deploy_runner import BUILD_TIMEOUT_MINUTES, BUILDSPEC
from workloads.rollout import MAX_TIMEOUT_SECONDS


def runner_statements(env) -> dict[str, dict]:
    document = env.data("platform", "aws_iam_policy_document")["deploy_runner_permissions"]
    return {statement["sid"]: statement for statement in document["statement"]}


def test_a_runner_exactly_where_the_endpoint_is_private(env) -> None:
    projects = env.resources("platform", "aws_codebuild_project")
    runners = env.resources("platform", "aws_s3_bucket").get("deploy_runner_source_bucket")
    assert bool(runners) == (not env.config.endpoint.public)
    assert bool(projects) == (not env.config.endpoint.public and not env.config.omits(EmulatorFeature.CODEBUILD_PROJECT))
    outputs = env.platform["output"]
    assert (outputs["runner_project"]["value"] == "") == (not projects)


def test_prod_runner_builds_in_the_private_subnets_with_https_egress_only(synthesized) -> None:
    prod = synthesized["prod"]
    (project,) = prod.resources("platform", "aws_codebuild_project").values()
    private = {f"${{aws_subnet.{name}.id}}" for name in prod.resources("platform", "aws_subnet") if name.startswith("network_private_")}
    assert set(project["vpc_config"]["subnets"]) == private and len(private) == 3
    assert project["vpc_config"]["vpc_id"] == "${aws_vpc.network_vpc.id}"
    assert project["vpc_config"]["security_group_ids"] == ["${aws_security_group.deploy_runner_security_group.id}"]
    assert project["environment"]["privileged_mode"] is False
    egress = [
        r for r in prod.resources("platform", "aws_vpc_security_group_egress_rule").values() if "deploy_runner" in r["security_group_id"]
    ]
    assert [(r["ip_protocol"], r["from_port"], r["to_port"]) for r in egress] == [("tcp", 443, 443)]
    ingress = [
        r
        for r in prod.resources("platform", "aws_vpc_security_group_ingress_rule").values()
        if "deploy_runner" in str(r.get("referenced_security_group_id"))
    ]
    (api,) = ingress
    assert api["security_group_id"] == "${aws_eks_cluster.eks_cluster.vpc_config[0].cluster_security_group_id}"
    assert (api["from_port"], api["to_port"]) == (443, 443)


def test_prod_runner_role_is_least_privilege(synthesized) -> None:
    prod = synthesized["prod"]
    statements = runner_statements(prod)
    backend = prod.config.backend
    state = f"arn:${{data.aws_partition.partition.partition}}:s3:::{backend.bucket}/{backend.key_prefix}/prod"
    assert statements["WorkloadsState"]["resources"] == [f"{state}/workloads.tfstate"]
    assert set(statements["WorkloadsState"]["actions"]) == {"s3:GetObject", "s3:PutObject"}
    assert statements["WorkloadsStateLock"]["resources"] == [f"{state}/workloads.tfstate.tflock"]
    assert statements["PlatformStateRead"] == {**statements["PlatformStateRead"], "actions": ["s3:GetObject"]}
    assert statements["PlatformStateRead"]["resources"] == [f"{state}/platform.tfstate"]
    assert statements["Cluster"]["actions"] == ["eks:DescribeCluster"]
    assert statements["Cluster"]["resources"][0].endswith(":cluster/tap-prod")
    assert statements["Logs"]["resources"] == ["${aws_cloudwatch_log_group.deploy_runner_logs.arn}:*"]
    assert statements["SourcePackage"]["resources"] == ["${aws_s3_bucket.deploy_runner_source_bucket.arn}/workloads.zip"]
    assert {c["variable"] for c in statements["DataKeyThroughS3"]["condition"]} == {"kms:ViaService"}
    assert {c["variable"] for c in statements["VpcNetworkInterfacePermission"]["condition"]} == {"ec2:AuthorizedService", "ec2:Subnet"}
    # Nothing else: no write outside the workloads state, no IAM, no EKS control-plane change.
    actions = {a for s in statements.values() for a in s["actions"]}
    assert not {a for a in actions if a.startswith(("iam:", "eks:")) and a != "eks:DescribeCluster"}
    writes = {
        (a, r)
        for s in statements.values()
        for a in s["actions"]
        for r in s.get("resources", [])
        if a in ("s3:PutObject", "s3:DeleteObject")
    }
    assert {r for _, r in writes} == {f"{state}/workloads.tfstate", f"{state}/workloads.tfstate.tflock"}


def test_prod_runner_role_is_assumed_only_by_its_own_project(synthesized) -> None:
    trust = synthesized["prod"].data("platform", "aws_iam_policy_document")["deploy_runner_trust"]
    (statement,) = trust["statement"]
    assert statement["principals"] == [{"identifiers": ["codebuild.amazonaws.com"], "type": "Service"}]
    conditions = {c["variable"]: c["values"] for c in statement["condition"]}
    assert set(conditions) == {"aws:SourceAccount", "aws:SourceArn"}
    assert all(
        arn.endswith(("project/tap-prod-deploy-workloads", "build/tap-prod-deploy-workloads:*")) for arn in conditions["aws:SourceArn"]
    )


def test_prod_runner_has_its_own_cluster_admin_access_entry(synthesized) -> None:
    prod = synthesized["prod"]
    entries = prod.resources("platform", "aws_eks_access_entry")
    assert entries["deploy_runner_access_entry"]["principal_arn"] == "${aws_iam_role.deploy_runner_role.arn}"
    association = prod.resources("platform", "aws_eks_access_policy_association")["deploy_runner_access_cluster_admin"]
    assert association["policy_arn"].endswith(":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
    assert association["access_scope"] == {"type": "cluster"}
    assert association["principal_arn"] == "${aws_eks_access_entry.deploy_runner_access_entry.principal_arn}"


def test_the_emulator_gets_the_runner_without_what_it_lacks(synthesized) -> None:
    local = synthesized["local"]
    assert not local.resources("platform", "aws_codebuild_project")  # moto cannot delete it (config/environments/local.yaml)
    assert local.platform["output"]["runner_project"]["value"] == ""
    assert "deploy_runner_access_entry" not in local.resources("platform", "aws_eks_access_entry")
    assert "deploy_runner_api_ingress" not in local.resources("platform", "aws_vpc_security_group_ingress_rule")
    assert "WorkloadsState" not in runner_statements(local)  # local state stays on this machine


def test_buildspec_applies_only_the_packaged_workloads_stack() -> None:
    spec = yaml.safe_load(BUILDSPEC)
    build = spec["phases"]["build"]["commands"]
    assert build[0] == 'cd "cdktf.out/stacks/$WORKLOADS_STACK"'
    assert any("terraform apply -input=false -auto-approve" in c for c in build)
    assert "${" not in BUILDSPEC  # Terraform would interpolate it
    install = " ".join(spec["phases"]["install"]["commands"])
    assert "sha256sum -c" in install and re.search(r"releases\.hashicorp\.com/terraform", install)


def test_build_timeout_covers_the_longest_apply() -> None:
    """Platform releases (600 s), then the longest service release the chart allows, plus init and plan."""
    assert BUILD_TIMEOUT_MINUTES * 60 >= 600 + MAX_TIMEOUT_SECONDS + 15 * 60
    assert 5 <= BUILD_TIMEOUT_MINUTES <= 2160  # CodeBuild's range


def test_prod_source_bucket_is_private_kms_encrypted_and_tls_only(synthesized) -> None:
    prod = synthesized["prod"]
    (rule,) = prod.resources("platform", "aws_s3_bucket_server_side_encryption_configuration")["deploy_runner_source_encryption"]["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": "${aws_kms_key.encryption_platform_data_key.arn}",
    }
    block = prod.resources("platform", "aws_s3_bucket_public_access_block")["deploy_runner_source_public_access_block"]
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    (tls_only,) = prod.data("platform", "aws_iam_policy_document")["deploy_runner_source_policy_document"]["statement"]
    assert tls_only["effect"] == "Deny" and tls_only["condition"][0]["variable"] == "aws:SecureTransport"
    assert prod.resources("platform", "aws_s3_bucket")["deploy_runner_source_bucket"]["force_destroy"] is False
