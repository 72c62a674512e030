"""Issue 11's AWS resources as AWS (or the emulator) reports them: endpoints, pod security groups, log bucket, log groups."""

from __future__ import annotations

import json
from typing import Any

import pytest

from config.model import EmulatorFeature, EnvironmentConfig
from eks_platform.alarm_targets import ServiceWatch
from eks_platform.service_network import ServiceNetwork

pytestmark = pytest.mark.integration


def test_vpc_endpoints_keep_aws_traffic_private(aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig) -> None:
    endpoints = aws("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [outputs["vpc_id"]]}])["VpcEndpoints"]
    region = deployed_config.region
    names = {e["ServiceName"] for e in endpoints}
    assert {f"com.amazonaws.{region}.{s}" for s in ("ecr.api", "ecr.dkr", "sts", "logs", "secretsmanager", "s3")} <= names
    for endpoint in endpoints:
        if endpoint["VpcEndpointType"] == "Interface":
            assert endpoint["PrivateDnsEnabled"] is True
            assert set(endpoint["SubnetIds"]) == set(outputs["private_subnet_ids"])


def test_each_service_has_a_security_group_its_load_balancer_reaches(
    aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig
) -> None:
    ec2 = aws("ec2")
    for name, spec in deployed_config.services.items():
        group_id = outputs["service_security_group_ids"][name]
        (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        assert group["VpcId"] == outputs["vpc_id"]
        network = ServiceNetwork.of(spec)
        sources = {pair["GroupId"] for rule in group["IpPermissions"] for pair in rule.get("UserIdGroupPairs", [])}
        assert not any(rule.get("IpRanges") for rule in group["IpPermissions"]), f"{name}: a CIDR reaches its pods"
        if network.scheme:
            alb = outputs["internal_alb_security_group_id" if network.scheme == "internal" else "internet_facing_alb_security_group_id"]
            assert alb in sources, name


def test_service_pods_have_no_internet_egress(aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig) -> None:
    """AWS's default allow-all egress is gone from every group on service pods (Terraform revokes it), and no
    CIDR egress is left but a service's own declared `egress`."""
    ec2 = aws("ec2")
    groups = {"pods": outputs["pod_security_group_id"], **outputs["service_security_group_ids"]}
    for name, group_id in groups.items():
        (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        declared = {cidr for cidr, _ in deployed_config.services[name].egress_rules} if name in deployed_config.services else set()
        opened = {r["CidrIp"] for rule in group["IpPermissionsEgress"] for r in rule.get("IpRanges", [])}
        assert opened <= declared, f"{name}: egress to {sorted(opened - declared)}"
        assert all(rule["IpProtocol"] != "-1" for rule in group["IpPermissionsEgress"]), f"{name}: all-traffic egress"


def test_access_log_bucket_is_private_and_encrypted(aws, outputs: dict[str, Any]) -> None:
    s3 = aws("s3")
    bucket = outputs["load_balancer_logs_bucket"]
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    # who read, replaced or deleted a log is recorded in the separate access bucket (S3 server access logging)
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetBucket"] == f"{bucket}-access"


def test_every_fargate_namespace_has_its_log_group(aws, deployed_config: EnvironmentConfig) -> None:
    logs = aws("logs")
    namespaces = [*deployed_config.platform_fargate_namespaces, *(s.namespace for s in deployed_config.services.values())]
    for namespace in namespaces:
        name = deployed_config.fargate_log_group(namespace)
        groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        assert [g["logGroupName"] for g in groups] == [name]
        assert groups[0]["retentionInDays"] == deployed_config.log_retention_days


def alarm_topic_arn(aws, deployed_config: EnvironmentConfig) -> str | None:
    """The environment's own alarm topic, found by its name (None when it creates none)."""
    name = f"{deployed_config.cluster_name}-alarms"
    arns = [t["TopicArn"] for page in aws("sns").get_paginator("list_topics").paginate() for t in page["Topics"]]
    found = [arn for arn in arns if arn.rsplit(":", 1)[1] == name]
    assert len(found) == int(deployed_config.alarms.create_topic), found
    return found[0] if found else None


def test_alarms_watch_every_service_and_carry_the_environment_tags(
    aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig
) -> None:
    """moto stores alarms but never evaluates them: this checks what they watch and whom they notify."""
    cloudwatch = aws("cloudwatch")
    cluster = deployed_config.cluster_name
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(AlarmNamePrefix=f"{cluster}-")["MetricAlarms"]}
    heartbeats = {f"{cluster}-{source}-heartbeat" for source in ("container-insights", "cluster-state", "coredns")}
    expected = {f"{cluster}-{name}" for name in ("alb-target-5xx", "alb-elb-5xx", "alb-latency", "coredns-servfail")} | heartbeats
    expected |= {f"{cluster}-{service}-pod-restarts" for service in deployed_config.services}
    # A fixed-size service (min == max) has no autoscaler alarm.
    expected |= {f"{cluster}-{s}-hpa-at-max" for s, spec in deployed_config.services.items() if ServiceWatch.of(s, spec).scales}
    assert set(alarms) == expected
    topic = alarm_topic_arn(aws, deployed_config)
    actions = [*deployed_config.alarms.topic_arns, *([topic] if topic else [])]
    for name, alarm in alarms.items():
        assert alarm["Metrics"], f"{name} has no metric queries"
        assert alarm["AlarmActions"] == alarm["OKActions"] == actions, name
        assert alarm["TreatMissingData"] == ("breaching" if name in heartbeats else "notBreaching"), name
        tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]}
        assert tags.get("Environment") == deployed_config.name, name


def test_the_alarm_topic_is_encrypted_and_subscribed_as_configured(aws, deployed_config: EnvironmentConfig) -> None:
    topic = alarm_topic_arn(aws, deployed_config)
    if topic is None:
        pytest.skip(f"{deployed_config.name} creates no alarm topic (alarms.create_topic is false)")
    sns = aws("sns")
    key = sns.get_topic_attributes(TopicArn=topic)["Attributes"].get("KmsMasterKeyId")
    assert key, "the alarm topic is not KMS-encrypted"
    # The key is the platform's own alarm-topic key, rotated, and lets CloudWatch publish.
    metadata = aws("kms").describe_key(KeyId=key)["KeyMetadata"]
    assert metadata["Description"] == f"{deployed_config.cluster_name}: the alarm notification topic"
    policy = json.loads(aws("kms").get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    granted = {
        action
        for statement in policy["Statement"]
        if statement.get("Principal", {}).get("Service") in ("cloudwatch.amazonaws.com", ["cloudwatch.amazonaws.com"])
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert granted == {"kms:Decrypt", "kms:GenerateDataKey*"}
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted((s["Protocol"], s["Endpoint"]) for s in subscriptions) == sorted(
        (sub.protocol, sub.endpoint) for sub in deployed_config.alarms.subscriptions.values()
    )


def test_resource_tags_for_telemetry_are_on_where_the_environment_manages_them(aws, deployed_config: EnvironmentConfig) -> None:
    """The load balancer alarms' tag queries select nothing until the account has the setting on."""
    if deployed_config.emulator is not None:
        pytest.skip("the emulator has no observabilityadmin API and evaluates no alarm (config/environments/local.yaml: omit)")
    if deployed_config.alarms.telemetry_tags != "managed":
        pytest.skip(f"{deployed_config.name}: another environment in the account manages resource tags for telemetry")
    status = aws("observabilityadmin").get_telemetry_enrichment_status()["Status"]
    assert status == "Running", status


def test_container_insights_writes_only_to_its_own_log_groups(aws, outputs: dict[str, Any], deployed_config: EnvironmentConfig) -> None:
    logs, iam = aws("logs"), aws("iam")
    names = [f"/aws/containerinsights/{deployed_config.cluster_name}/{kind}" for kind in ("performance", "prometheus")]
    for name in names:
        (group,) = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        assert group["retentionInDays"] == deployed_config.log_retention_days and group.get("kmsKeyId")
    role = outputs["container_insights_role_arn"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role, PolicyName="service-permissions")["PolicyDocument"]
    (statement,) = policy["Statement"]
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    assert sorted(r.split(":log-group:")[1] for r in resources) == sorted(f"{name}:*" for name in names)


def test_deploy_runner_builds_in_the_private_subnets_and_takes_a_package(aws, outputs: dict[str, Any], deployed_config, tmp_path) -> None:
    """Where the endpoint is private, the runner exists as AWS (or the emulator) reports it, and
    `make deploy-workloads`'s logic uploads a package and starts and follows a build of it. On the
    emulator the build runs nothing (moto's CodeBuild only records it): docs/deploy-runner.md."""
    if deployed_config.endpoint.public:
        assert outputs["runner_project"] == ""
        return
    if deployed_config.omits(EmulatorFeature.CODEBUILD_PROJECT):
        assert outputs["runner_project"] == ""  # left out: moto cannot delete it (config/environments/local.yaml)
        assert aws("s3").head_bucket(Bucket=outputs["runner_source_bucket"])
        return
    from scripts.deploy_workloads import Clients, package, start

    (project,) = aws("codebuild").batch_get_projects(names=[outputs["runner_project"]])["projects"]
    assert set(project["vpcConfig"]["subnets"]) == set(outputs["private_subnet_ids"])
    assert project["vpcConfig"]["vpcId"] == outputs["vpc_id"]
    assert project["source"]["location"] == f"{outputs['runner_source_bucket']}/workloads.zip"
    (group_id,) = project["vpcConfig"]["securityGroupIds"]
    (group,) = aws("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert [(r["IpProtocol"], r.get("FromPort"), r.get("ToPort")) for r in group["IpPermissionsEgress"]] == [("tcp", 443, 443)]
    # A stand-in stack file: the package's content is not what the emulator can check.
    stack = tmp_path / "stacks" / f"tap-workloads-{deployed_config.name}"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")
    from tests.conftest import REPO_ROOT

    clients = Clients(aws("sts"), aws("s3"), aws("codebuild"), aws("logs"))
    assert start(deployed_config, clients, package(REPO_ROOT, f"tap-workloads-{deployed_config.name}", tmp_path), apply=False)
    assert aws("s3").head_object(Bucket=outputs["runner_source_bucket"], Key="workloads.zip")["ContentLength"] > 0
