"""After `make local`'s destroy: is anything the platform stack created still in the emulator?

Complete by design. `LISTINGS` maps every Terraform resource type the platform stack may create
to how the emulator shows it: a `Listed` type has its own listing call; a `PartOf` type lives
inside another resource that is listed (a route in its route table, a bucket policy in its
bucket, a Fargate profile in its cluster) and goes when that one goes. `unlisted_types` names
the types of a synthesized stack that have neither; tests/scripts/test_leftovers.py runs it on
the synthesized `local` platform, so a resource type added to the platform without a listing
fails the unit tier instead of slipping past the check.

The emulator starts empty every run, so anything listed is ours, except what a fresh emulator
already holds: the default VPC with its subnets, route table and security group, and the
`alias/aws/*` KMS aliases. A KMS key pending deletion counts as gone, as on AWS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Clients = Callable[[str], Any]  # service name -> boto3 client for the emulator


@dataclass(frozen=True)
class Listed:
    """A type with its own listing: `list(clients)` returns one line per resource still there."""

    list: Callable[[Clients], list[str]]


def every(label: str, service: str, call: str, field: str, key: str | None = None) -> Listed:
    """A type whose listing call returns only resources of ours (a fresh emulator has none): `label` and each
    item's `key` (the item itself, a name, when None)."""

    def names(clients: Clients) -> list[str]:
        return [f"{label} {item if key is None else item[key]}" for item in getattr(clients(service), call)()[field]]

    return Listed(names)


@dataclass(frozen=True)
class PartOf:
    """A type that exists only inside a resource of type `parent`, and is deleted with it."""

    parent: str


def _default_vpcs(clients: Clients) -> set[str]:
    return {vpc["VpcId"] for vpc in clients("ec2").describe_vpcs()["Vpcs"] if vpc.get("IsDefault")}


def _in_our_vpcs(items: Iterable[dict[str, Any]], clients: Clients) -> list[dict[str, Any]]:
    defaults = _default_vpcs(clients)
    return [item for item in items if item.get("VpcId") not in defaults]


def _vpcs(clients: Clients) -> list[str]:
    return [f"VPC {v['VpcId']}" for v in clients("ec2").describe_vpcs()["Vpcs"] if not v.get("IsDefault")]


def _subnets(clients: Clients) -> list[str]:
    return [f"subnet {s['SubnetId']}" for s in _in_our_vpcs(clients("ec2").describe_subnets()["Subnets"], clients)]


def _route_tables(clients: Clients) -> list[str]:
    tables = _in_our_vpcs(clients("ec2").describe_route_tables()["RouteTables"], clients)
    return [f"route table {t['RouteTableId']}" for t in tables]


def _internet_gateways(clients: Clients) -> list[str]:
    defaults = _default_vpcs(clients)
    gateways = clients("ec2").describe_internet_gateways()["InternetGateways"]
    return [
        f"internet gateway {g['InternetGatewayId']}"
        for g in gateways
        if not any(a.get("VpcId") in defaults for a in g.get("Attachments", []))
    ]


def _nat_gateways(clients: Clients) -> list[str]:
    gateways = clients("ec2").describe_nat_gateways()["NatGateways"]
    return [f"NAT gateway {g['NatGatewayId']}" for g in gateways if g.get("State") not in ("deleting", "deleted")]


def _elastic_ips(clients: Clients) -> list[str]:
    return [f"Elastic IP {a.get('AllocationId') or a.get('PublicIp')}" for a in clients("ec2").describe_addresses()["Addresses"]]


def _security_groups(clients: Clients) -> list[str]:
    groups = _in_our_vpcs(clients("ec2").describe_security_groups()["SecurityGroups"], clients)
    # A VPC's own `default` group goes with its VPC, which is listed itself.
    return [f"security group {g['GroupId']} ({g['GroupName']})" for g in groups if g["GroupName"] != "default"]


def _vpc_endpoints(clients: Clients) -> list[str]:
    endpoints = clients("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    return [f"VPC endpoint {e['VpcEndpointId']}" for e in endpoints if e.get("State", "").lower() not in ("deleting", "deleted")]


def _oidc_providers(clients: Clients) -> list[str]:
    providers = clients("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]
    return [f"OIDC provider {p['Arn']}" for p in providers]


def _kms_keys(clients: Clients) -> list[str]:
    kms = clients("kms")
    states = {key["KeyId"]: kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] for key in kms.list_keys()["Keys"]}
    return [f"KMS key {key} ({state})" for key, state in states.items() if state != "PendingDeletion"]


def _kms_aliases(clients: Clients) -> list[str]:
    aliases = clients("kms").list_aliases()["Aliases"]
    return [f"KMS alias {a['AliasName']}" for a in aliases if not a["AliasName"].startswith("alias/aws/")]


def _topics(clients: Clients) -> list[str]:
    return [f"SNS topic {t['TopicArn'].rsplit(':', 1)[-1]}" for t in clients("sns").list_topics()["Topics"]]


LISTINGS: dict[str, Listed | PartOf] = {
    "aws_vpc": Listed(_vpcs),
    "aws_default_security_group": PartOf("aws_vpc"),  # adopts the VPC's own group
    "aws_subnet": Listed(_subnets),
    "aws_route_table": Listed(_route_tables),
    "aws_route": PartOf("aws_route_table"),
    "aws_route_table_association": PartOf("aws_route_table"),
    "aws_internet_gateway": Listed(_internet_gateways),
    "aws_nat_gateway": Listed(_nat_gateways),
    "aws_eip": Listed(_elastic_ips),
    "aws_security_group": Listed(_security_groups),
    "aws_security_group_rule": PartOf("aws_security_group"),
    "aws_vpc_security_group_ingress_rule": PartOf("aws_security_group"),
    "aws_vpc_security_group_egress_rule": PartOf("aws_security_group"),
    "aws_vpc_endpoint": Listed(_vpc_endpoints),
    "aws_flow_log": every("flow log", "ec2", "describe_flow_logs", "FlowLogs", "FlowLogId"),
    "aws_eks_cluster": every("EKS cluster", "eks", "list_clusters", "clusters"),
    "aws_eks_fargate_profile": PartOf("aws_eks_cluster"),
    "aws_iam_role": every("IAM role", "iam", "list_roles", "Roles", "RoleName"),
    "aws_iam_role_policy": PartOf("aws_iam_role"),
    "aws_iam_role_policy_attachment": PartOf("aws_iam_role"),
    "aws_iam_openid_connect_provider": Listed(_oidc_providers),
    "aws_kms_key": Listed(_kms_keys),
    "aws_kms_alias": Listed(_kms_aliases),
    "aws_ecr_repository": every("ECR repository", "ecr", "describe_repositories", "repositories", "repositoryName"),
    "aws_ecr_lifecycle_policy": PartOf("aws_ecr_repository"),
    "aws_secretsmanager_secret": every("secret", "secretsmanager", "list_secrets", "SecretList", "Name"),
    "aws_cloudwatch_log_group": every("log group", "logs", "describe_log_groups", "logGroups", "logGroupName"),
    "aws_cloudwatch_metric_alarm": every("alarm", "cloudwatch", "describe_alarms", "MetricAlarms", "AlarmName"),
    "aws_s3_bucket": every("S3 bucket", "s3", "list_buckets", "Buckets", "Name"),
    "aws_s3_bucket_lifecycle_configuration": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_ownership_controls": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_policy": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_public_access_block": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_server_side_encryption_configuration": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_versioning": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_logging": PartOf("aws_s3_bucket"),
    "aws_s3_bucket_object_lock_configuration": PartOf("aws_s3_bucket"),
    "aws_codebuild_project": every("CodeBuild project", "codebuild", "list_projects", "projects"),
    "aws_sns_topic": Listed(_topics),
    "aws_sns_topic_subscription": PartOf("aws_sns_topic"),
    "aws_sns_topic_policy": PartOf("aws_sns_topic"),
}


def created_types(stack: dict[str, Any]) -> set[str]:
    """The managed resource types of a synthesized stack (`cdk.tf.json`)."""
    return set(stack.get("resource", {}))


def unlisted_types(stack: dict[str, Any]) -> dict[str, str]:
    """Each type the stack creates that the leftovers check could not see, and why."""
    missing = {}
    for kind in sorted(created_types(stack)):
        listing = LISTINGS.get(kind)
        while isinstance(listing, PartOf):
            listing = LISTINGS.get(listing.parent)
        if listing is None:
            missing[kind] = "no listing in scripts/leftovers.py LISTINGS (nor a listed resource it is part of)"
    return missing


def leftovers(clients: Clients, types: Iterable[str]) -> list[str]:
    """One line per resource of the given types (or of the resources they are part of) still in the emulator."""
    listed = []
    for kind in sorted(set(types)):
        listing = LISTINGS[kind]
        while isinstance(listing, PartOf):
            listing = LISTINGS[listing.parent]
        if listing not in listed:
            listed.append(listing)
    return [line for listing in listed for line in listing.list(clients)]


def emulator_clients(endpoint: str, region: str, credentials: dict[str, str]) -> Clients:
    """boto3 clients for the emulator, one per service."""
    import boto3

    session = boto3.session.Session(
        region_name=region, aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"], aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"]
    )
    return functools.cache(lambda service: session.client(service, endpoint_url=endpoint))
