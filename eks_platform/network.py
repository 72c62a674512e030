"""The VPC: three public and three private subnets, NAT per strategy, flow logs, default SG closed."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from cdktf import Op, Precondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_availability_zone import DataAwsAvailabilityZone
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from config.model import NatStrategy, VpcConfig
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement, policy_document


def subnet_layout(cidr: str) -> tuple[list[str], list[str]]:
    """(public, private) CIDRs: private subnets get a quarter of the VPC each (Fargate pods take
    one IP apiece); the public ones, which hold only load balancers and NAT, share the last quarter."""
    network = ipaddress.IPv4Network(cidr)
    quarters = list(network.subnets(prefixlen_diff=2))
    private = [str(q) for q in quarters[:3]]
    public = [str(s) for s in list(quarters[3].subnets(prefixlen_diff=2))[:3]]
    return public, private


class Network(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: VpcConfig,
        cluster_name: str,
        flow_log_group: CloudwatchLogGroup | None,
        aws: AwsContext,
        refused_zone_id: str | None = None,
    ) -> None:
        """`refused_zone_id`: the region's zone EKS puts no control plane in (config/network.py); zone
        IDs are checked against it at synth, zone names (mapped per account) at plan, below."""
        super().__init__(scope, id_)
        self._by_id = config.zones_by_id
        self._refused_zone_id = refused_zone_id
        cluster_tag = {f"kubernetes.io/cluster/{cluster_name}": "shared"}
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=config.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": cluster_name},
        )
        # A default security group with no rules: nothing can use it by accident.
        DefaultSecurityGroup(self, "default_security_group", vpc_id=self.vpc.id, tags={"Name": f"{cluster_name}-default-closed"})
        self.internet_gateway = InternetGateway(self, "internet_gateway", vpc_id=self.vpc.id, tags={"Name": cluster_name})

        public_cidrs, private_cidrs = subnet_layout(config.cidr)
        zones = config.availability_zones
        self.public_subnets = self._subnets("public", zones, public_cidrs, {"kubernetes.io/role/elb": "1", **cluster_tag}, cluster_name)
        self.private_subnets = self._subnets(
            "private", zones, private_cidrs, {"kubernetes.io/role/internal-elb": "1", **cluster_tag}, cluster_name
        )

        public_route_table = RouteTable(self, "public_route_table", vpc_id=self.vpc.id, tags={"Name": f"{cluster_name}-public"})
        Route(
            self,
            "public_default_route",
            route_table_id=public_route_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=self.internet_gateway.id,
        )
        for zone, subnet in zip(config.availability_zones, self.public_subnets, strict=True):
            RouteTableAssociation(self, f"public_{zone}_association", subnet_id=subnet.id, route_table_id=public_route_table.id)

        nat_zones = config.availability_zones if config.nat is NatStrategy.PER_AZ else config.availability_zones[:1]
        self.nat_gateways = []
        for zone, subnet in zip(nat_zones, self.public_subnets, strict=False):
            # An EIP in a VPC and a NAT gateway both need the internet gateway attached first;
            # nothing in their arguments says so, hence the explicit dependencies.
            address = Eip(
                self, f"nat_{zone}_address", domain="vpc", depends_on=[self.internet_gateway], tags={"Name": f"{cluster_name}-nat-{zone}"}
            )
            self.nat_gateways.append(
                NatGateway(
                    self,
                    f"nat_{zone}",
                    allocation_id=address.id,
                    subnet_id=subnet.id,
                    depends_on=[self.internet_gateway],
                    tags={"Name": f"{cluster_name}-{zone}"},
                )
            )
        self.private_route_tables: list[RouteTable] = []
        for index, (zone, subnet) in enumerate(zip(config.availability_zones, self.private_subnets, strict=True)):
            routes = RouteTable(self, f"private_{zone}_route_table", vpc_id=self.vpc.id, tags={"Name": f"{cluster_name}-private-{zone}"})
            self.private_route_tables.append(routes)
            nat = self.nat_gateways[index if config.nat is NatStrategy.PER_AZ else 0]
            Route(
                self, f"private_{zone}_default_route", route_table_id=routes.id, destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id
            )
            RouteTableAssociation(self, f"private_{zone}_association", subnet_id=subnet.id, route_table_id=routes.id)

        if flow_log_group is not None:
            self._flow_logs(cluster_name, flow_log_group, aws)

    def _subnets(self, tier: str, zones: Sequence[str], cidrs: Sequence[str], tags: dict[str, str], cluster_name: str) -> list[Subnet]:
        """One subnet per zone, placed by zone ID when IDs are configured; the role tag tells the load
        balancer controller what it is for. The private subnets carry the cluster's network
        interfaces: a zone name that this account maps to the zone EKS refuses stops the plan there,
        with the reason, instead of failing the cluster's creation twenty minutes later."""
        return [
            Subnet(
                self,
                f"{tier}_{zone}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone_id=zone if self._by_id else None,
                availability_zone=None if self._by_id else zone,
                tags={"Name": f"{cluster_name}-{tier}-{zone}", **tags},
                lifecycle=self._zone_check(zone) if tier == "private" else None,
            )
            for zone, cidr in zip(zones, cidrs, strict=True)
        ]

    def _zone_check(self, zone: str) -> TerraformResourceLifecycle | None:
        if self._by_id or self._refused_zone_id is None:
            return None
        mapped = DataAwsAvailabilityZone(self, f"zone_{zone}", name=zone)
        return TerraformResourceLifecycle(
            precondition=[
                Precondition(
                    condition=Op.neq(mapped.zone_id, self._refused_zone_id),
                    error_message=(
                        f"{zone} is {self._refused_zone_id} in this account, a zone EKS puts no control plane in: "
                        "name other zones, or zone IDs, in vpc.availability_zones."
                    ),
                )
            ]
        )

    def _flow_logs(self, cluster_name: str, log_group: CloudwatchLogGroup, aws: AwsContext) -> None:
        # Confused-deputy guard, as AWS recommends for flow logs: only this account's flow logs
        # may hand the role to the service.
        trust = policy_document(
            self,
            "flow_logs_trust",
            [
                Statement(
                    actions=["sts:AssumeRole"],
                    principals={"Service": ["vpc-flow-logs.amazonaws.com"]},
                    conditions=[
                        Condition("StringEquals", "aws:SourceAccount", [aws.account_id]),
                        Condition("ArnLike", "aws:SourceArn", [f"arn:{aws.partition}:ec2:{aws.region}:{aws.account_id}:vpc-flow-log/*"]),
                    ],
                )
            ],
        )
        role = IamRole(self, "flow_logs_role", name=f"{cluster_name}-vpc-flow-logs", assume_role_policy=trust.json)
        permissions = policy_document(
            self,
            "flow_logs_permissions",
            [
                Statement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=[f"{log_group.arn}:*"],
                )
            ],
        )
        IamRolePolicy(self, "flow_logs_policy", role=role.id, name="write-flow-logs", policy=permissions.json)
        FlowLog(
            self,
            "flow_log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
        )

    @property
    def private_subnet_ids(self) -> list[str]:
        return [subnet.id for subnet in self.private_subnets]

    @property
    def public_subnet_ids(self) -> list[str]:
        return [subnet.id for subnet in self.public_subnets]
