"""The deployed platform, as AWS reports it. Runs unchanged against the emulator or real AWS."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

from config.model import EnvironmentConfig
from eks_platform.cluster import CONTROL_PLANE_LOG_TYPES

pytestmark = pytest.mark.integration
Outputs = dict[str, Any]


def test_cluster_has_the_configured_version_logging_and_secrets_encryption(
    aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig
) -> None:
    cluster = aws("eks").describe_cluster(name=outputs["cluster_name"])["cluster"]
    assert cluster["version"] == deployed_config.kubernetes_version
    enabled = {t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]}
    assert enabled == set(CONTROL_PLANE_LOG_TYPES)
    (encryption,) = cluster["encryptionConfig"]
    assert encryption["resources"] == ["secrets"]
    assert encryption["provider"]["keyArn"].startswith("arn:")
    assert cluster["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["resourcesVpcConfig"]["endpointPublicAccess"] is deployed_config.endpoint.public
    assert set(cluster["resourcesVpcConfig"]["subnetIds"]) == set(outputs["private_subnet_ids"])


def test_fargate_profiles_select_their_namespaces_in_private_subnets(
    aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig
) -> None:
    eks = aws("eks")
    names = eks.list_fargate_profiles(clusterName=outputs["cluster_name"])["fargateProfileNames"]
    assert set(names) == set(deployed_config.all_fargate_profiles)
    for name, expected in deployed_config.all_fargate_profiles.items():
        profile = eks.describe_fargate_profile(clusterName=outputs["cluster_name"], fargateProfileName=name)["fargateProfile"]
        assert [s["namespace"] for s in profile["selectors"]] == [s.namespace for s in expected.selectors]
        assert set(profile["subnets"]) == set(outputs["private_subnet_ids"])


def test_oidc_provider_url_matches_the_cluster_issuer(aws, outputs: Outputs) -> None:
    issuer = aws("eks").describe_cluster(name=outputs["cluster_name"])["cluster"]["identity"]["oidc"]["issuer"]
    assert issuer == outputs["oidc_issuer_url"]
    provider = aws("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=outputs["oidc_provider_arn"])
    assert provider["Url"].removeprefix("https://") == issuer.removeprefix("https://")
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]


def trust_policy(aws, role_arn: str) -> dict[str, Any]:
    document = aws("iam").get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"]["AssumeRolePolicyDocument"]
    return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document


def test_each_irsa_role_trusts_exactly_its_service_account(aws, outputs: Outputs, deployed_config: EnvironmentConfig) -> None:
    issuer = outputs["oidc_issuer_url"].removeprefix("https://")
    expected = {
        outputs["service_role_arns"][n]: f"system:serviceaccount:{s.namespace}:{s.service_account}"
        for n, s in deployed_config.services.items()
    }
    expected[outputs["alb_controller_role_arn"]] = "system:serviceaccount:kube-system:aws-load-balancer-controller"
    for role_arn, subject in expected.items():
        (statement,) = trust_policy(aws, role_arn)["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {"Federated": outputs["oidc_provider_arn"]}
        assert statement["Condition"] == {"StringEquals": {f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"}}


def test_repositories_scan_on_push_are_immutable_and_kms_encrypted(aws, outputs: Outputs) -> None:
    names = [url.split("/", 1)[1] for url in outputs["repository_urls"].values()]
    repositories = aws("ecr").describe_repositories(repositoryNames=names)["repositories"]
    assert len(repositories) == len(names)
    for repository in repositories:
        assert repository["imageScanningConfiguration"]["scanOnPush"] is True
        assert repository["imageTagMutability"] == "IMMUTABLE"
        assert repository["encryptionConfiguration"]["encryptionType"] == "KMS"


def test_lifecycle_policies_shield_the_deployed_tags_first(aws, outputs: Outputs, deployed_config: EnvironmentConfig) -> None:
    for service, url in outputs["repository_urls"].items():
        text = aws("ecr").get_lifecycle_policy(repositoryName=url.split("/", 1)[1])["lifecyclePolicyText"]
        rules = sorted(json.loads(text)["rules"], key=lambda rule: rule["rulePriority"])
        tags = deployed_config.deployed_image_tags[service]
        assert [rule["selection"].get("tagPatternList") for rule in rules[: len(tags)]] == [[tag] for tag in sorted(tags)]
        assert all(rule["selection"]["tagStatus"] != "any" for rule in rules)


def test_secrets_exist_and_are_encrypted_with_the_platform_key(aws, outputs: Outputs) -> None:
    for arn in outputs["secret_arns"].values():
        secret = aws("secretsmanager").describe_secret(SecretId=arn)
        assert secret["KmsKeyId"].startswith("arn:")


def test_workload_log_groups_have_retention_and_kms(aws, outputs: Outputs, deployed_config: EnvironmentConfig) -> None:
    logs = aws("logs")
    for name in [*outputs["workload_log_groups"].values(), f"/aws/eks/{outputs['cluster_name']}/cluster"]:
        (group,) = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
        assert group["retentionInDays"] == deployed_config.log_retention_days
        assert group["kmsKeyId"].startswith("arn:")


def test_subnets_are_tagged_for_load_balancer_discovery(aws, outputs: Outputs) -> None:
    ec2 = aws("ec2")
    subnets = ec2.describe_subnets(SubnetIds=outputs["public_subnet_ids"] + outputs["private_subnet_ids"])["Subnets"]
    roles = {s["SubnetId"]: {t["Key"]: t["Value"] for t in s.get("Tags", [])} for s in subnets}
    for subnet_id in outputs["public_subnet_ids"]:
        assert roles[subnet_id]["kubernetes.io/role/elb"] == "1"
    for subnet_id in outputs["private_subnet_ids"]:
        assert roles[subnet_id]["kubernetes.io/role/internal-elb"] == "1"
    assert len({s["AvailabilityZone"] for s in subnets}) == 3
