"""VPC endpoints: image pulls, STS, logs and secrets stay inside the VPC instead of crossing NAT.

Interface endpoints (with private DNS, so the SDKs' default hostnames resolve to them) sit in
the private subnets behind one security group that admits only the VPC's own range on 443.
ECR stores image layers in S3, so S3 gets a gateway endpoint on the private route tables
(free, and it carries the bulk of an image pull).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

# AWS API a Fargate pod or the kubelet calls -> the endpoint's service suffix.
INTERFACE_ENDPOINTS = {
    "ecr_api": "ecr.api",  # image manifests and auth tokens
    "ecr_dkr": "ecr.dkr",  # the registry itself
    "sts": "sts",  # IRSA: AssumeRoleWithWebIdentity
    "logs": "logs",  # Fargate's log router
    "secretsmanager": "secretsmanager",
}
HTTPS = 443


class VpcEndpoints(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        region: str,
        vpc_id: str,
        vpc_cidr: str,
        subnet_ids: Sequence[str],
        route_table_ids: Sequence[str],
    ) -> None:
        super().__init__(scope, id_)
        self.security_group = SecurityGroup(
            self,
            "security_group",
            name=f"{cluster_name}-vpc-endpoints",
            description="HTTPS from inside the VPC to its interface endpoints",
            vpc_id=vpc_id,
            # No egress rule (Terraform removes AWS's default allow-all): endpoints answer, they never connect out.
            tags={"Name": f"{cluster_name}-vpc-endpoints"},
        )
        VpcSecurityGroupIngressRule(
            self,
            "https_from_vpc",
            security_group_id=self.security_group.id,
            description="HTTPS from the VPC",
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            cidr_ipv4=vpc_cidr,
        )
        self.interface: dict[str, VpcEndpoint] = {
            key: VpcEndpoint(
                self,
                key,
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=list(subnet_ids),
                security_group_ids=[self.security_group.id],
                tags={"Name": f"{cluster_name}-{service}"},
            )
            for key, service in INTERFACE_ENDPOINTS.items()
        }
        self.s3 = VpcEndpoint(
            self,
            "s3",
            vpc_id=vpc_id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=list(route_table_ids),
            tags={"Name": f"{cluster_name}-s3"},
        )
