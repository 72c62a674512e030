"""The leftovers check sees every resource type the platform creates on the emulator, and each listing finds what it lists."""

from __future__ import annotations

import json

import boto3
import moto
import pytest

from scripts.leftovers import LISTINGS, Listed, PartOf, created_types, leftovers, unlisted_types
from tests.conftest import Synthesized

REGION = "us-east-1"


def test_every_type_the_local_platform_creates_can_be_listed(synthesized: dict[str, Synthesized]) -> None:
    """`make local` deploys the `local` platform stack; a type added there without a listing fails here."""
    platform = synthesized["local"].platform
    assert created_types(platform) >= {"aws_security_group", "aws_vpc", "aws_eks_cluster"}
    assert unlisted_types(platform) == {}


def test_a_type_without_a_listing_is_named() -> None:
    stack = {"resource": {"aws_security_group": {"a": {}}, "aws_lb": {"b": {}}, "aws_route": {"c": {}}}}

    assert list(unlisted_types(stack)) == ["aws_lb"]


def test_every_part_leads_to_a_listed_type() -> None:
    for kind, listing in LISTINGS.items():
        seen = {kind}
        while isinstance(listing, PartOf):
            assert listing.parent not in seen, f"{kind}: a cycle through {listing.parent}"
            seen.add(listing.parent)
            listing = LISTINGS[listing.parent]
        assert isinstance(listing, Listed), kind


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def test_a_fresh_emulator_holds_nothing_of_ours(emulator) -> None:
    """Its default VPC, subnets, route table, security group and AWS-managed key aliases are not leftovers."""
    assert leftovers(emulator, LISTINGS) == []


def test_each_listing_finds_a_resource_of_its_type(emulator) -> None:
    ec2 = emulator("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=address)["NatGateway"]["NatGatewayId"]
    group = ec2.create_security_group(GroupName="tap-local-pods", Description="pods", VpcId=vpc)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3")["VpcEndpoint"]["VpcEndpointId"]
    iam = emulator("iam")
    statement = {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    role = iam.create_role(RoleName="tap-local-cluster", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    flow_log = ec2.create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName="flows", DeliverLogsPermissionArn=role
    )["FlowLogIds"][0]
    emulator("eks").create_cluster(name="tap-local", roleArn=role, resourcesVpcConfig={"subnetIds": [subnet]})
    oidc = iam.create_open_id_connect_provider(
        Url="https://oidc.example.com/id/1", ThumbprintList=["a" * 40], ClientIDList=["sts.amazonaws.com"]
    )
    kms = emulator("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/tap-local-secrets", TargetKeyId=key)
    emulator("ecr").create_repository(repositoryName="tap-local/payment")
    emulator("secretsmanager").create_secret(Name="tap-local/payment", SecretString="x")
    emulator("logs").create_log_group(logGroupName="/aws/eks/tap-local/cluster")
    emulator("cloudwatch").put_metric_alarm(
        AlarmName="tap-local-payment-5xx", MetricName="m", Namespace="n", Statistic="Sum", Period=60, EvaluationPeriods=1,
        Threshold=1, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    emulator("s3").create_bucket(Bucket="tap-local-alb-logs")
    emulator("sns").create_topic(Name="tap-local-alarms")
    emulator("codebuild").create_project(
        name="tap-local-deploy-workloads", source={"type": "S3", "location": "tap-local-deploy-source/workloads.zip"},
        artifacts={"type": "NO_ARTIFACTS"}, environment={"type": "LINUX_CONTAINER", "image": "i", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=role,
    )  # fmt: skip

    found = set(leftovers(emulator, LISTINGS))

    assert {
        f"VPC {vpc}",
        f"subnet {subnet}",
        f"route table {table}",
        f"internet gateway {gateway}",
        f"Elastic IP {address}",
        f"NAT gateway {nat}",
        f"security group {group} (tap-local-pods)",
        f"VPC endpoint {endpoint}",
        f"flow log {flow_log}",
        "EKS cluster tap-local",
        "IAM role tap-local-cluster",
        f"OIDC provider {oidc['OpenIDConnectProviderArn']}",
        f"KMS key {key} (Enabled)",
        "KMS alias alias/tap-local-secrets",
        "ECR repository tap-local/payment",
        "secret tap-local/payment",
        "log group /aws/eks/tap-local/cluster",
        "alarm tap-local-payment-5xx",
        "S3 bucket tap-local-alb-logs",
        "SNS topic tap-local-alarms",
        "CodeBuild project tap-local-deploy-workloads",
    } <= found
    listed_kinds = {kind for kind, listing in LISTINGS.items() if isinstance(listing, Listed)}
    assert len(listed_kinds) == 21  # one resource above for each


def test_a_key_pending_deletion_is_gone_as_on_aws(emulator) -> None:
    kms = emulator("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)

    assert leftovers(emulator, ["aws_kms_key"]) == []
