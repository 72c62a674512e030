"""VPC endpoints: every AWS API a pod calls is reached inside the VPC, never through NAT.

Service pods have no internet egress (eks_platform/service_security_groups.py), so each API
they or Fargate call needs an endpoint. Interface endpoints (with private DNS, so the SDKs'
default regional hostnames resolve to them) sit in the private subnets behind one security
group that admits only the VPC's own range on 443. The platform's own (ECR, STS, logs,
Secrets Manager) always exist; the others are created only when some service's `permissions`
use them (eks_platform/service_network.PERMISSION_ENDPOINTS), so an environment pays for
none it does not use. S3 and DynamoDB get gateway endpoints on the private route tables
(free, AWS offers gateway endpoints for these two only); ECR stores image layers in S3, so
S3's always exists. A gateway endpoint is reached through its AWS-managed prefix list
(`prefix_list_id`), which is what the pods' egress rules name.

An AWS service is not offered in every zone of a region, and zone names map to different zones
in each account: CreateVpcEndpoint then answers "The VPC endpoint service ... does not support
the Availability Zone of the subnet" halfway through the first apply (AWS Knowledge Center,
interface-endpoint-availability-zone; AWS CDK's InterfaceVpcEndpoint has `lookupSupportedAzs`
for the same reason). So each interface endpoint reads its service's zones
(DescribeVpcEndpointServices, data source aws_vpc_endpoint_service) and a precondition stops the
plan, naming the zones the service is offered in, before anything is created.

Every endpoint carries an endpoint policy (eks_platform/endpoint_policies.py): this account's
principals on this account's resources, and the few AWS-owned resources the platform needs (ECR's
image layers in S3, the add-on images in AWS's ECR accounts, IRSA's unsigned web identity call).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from cdktf import Fn, Precondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_availability_zone import DataAwsAvailabilityZone
from cdktf_cdktf_provider_aws.data_aws_vpc_endpoint_service import DataAwsVpcEndpointService
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.context import AwsContext
from eks_platform.endpoint_policies import endpoint_statements
from eks_platform.policy import policy_document
from eks_platform.service_network import GATEWAY, PERMISSION_ENDPOINTS

# AWS API a Fargate pod, the kubelet or the platform's own pods call -> the endpoint's service suffix.
INTERFACE_ENDPOINTS = {
    "ecr_api": "ecr.api",  # image manifests and auth tokens
    "ecr_dkr": "ecr.dkr",  # the registry itself
    "sts": "sts",  # IRSA: AssumeRoleWithWebIdentity (the pod identity webhook sets the regional STS endpoint)
    "logs": "logs",  # Fargate's log router, the Container Insights collector
    "secretsmanager": "secretsmanager",
}
# Gateway endpoints that always exist: image layers come from S3.
PLATFORM_GATEWAYS = ("s3",)
HTTPS = 443
# checkov reads the document as an identity policy granting "*" on "*"; it is an endpoint policy.
_ENDPOINT_POLICY = (
    "An endpoint policy grants nothing by itself; each Allow of * on * is bounded by aws:PrincipalAccount (with "
    "aws:ResourceAccount except on ECR and STS) or aws:PrincipalIsAWSService (eks_platform/endpoint_policies.py)"
)


def logical_id(service: str) -> str:
    """`sagemaker.runtime` -> `sagemaker_runtime`, as the platform's own endpoints are named."""
    return service.replace(".", "_").replace("-", "_")


def endpoint_plan(used: Collection[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """(interface endpoints by logical id, gateway endpoint services) for the APIs the services use."""
    gateways = {name for name, kind in PERMISSION_ENDPOINTS.values() if kind == GATEWAY}
    interface = dict(INTERFACE_ENDPOINTS)
    interface.update({logical_id(api): api for api in sorted(set(used) - gateways)})
    return interface, tuple(sorted(set(PLATFORM_GATEWAYS) | (set(used) & gateways)))


class VpcEndpoints(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        aws: AwsContext,
        vpc_id: str,
        vpc_cidr: str,
        subnet_ids: Sequence[str],
        route_table_ids: Sequence[str],
        used_apis: Collection[str] = (),
        zones: Sequence[str] = (),
        zones_by_id: bool = False,
        check_zones: bool = True,
        state_bucket: str | None = None,
    ) -> None:
        """`used_apis`: the endpoint services (`sqs`, `dynamodb` ...) the services' permissions call.
        `zones`: the private subnets' zones (names, or IDs with `zones_by_id`); `check_zones` False
        leaves the zone check out (an emulator that lists no such services, config/emulator.py).
        `state_bucket`: the Terraform state bucket a runner in the VPC uses (S3's policy admits it)."""
        super().__init__(scope, id_)
        self._aws = aws
        self._region = region = aws.region
        self._zone_names = self._names(zones, zones_by_id) if check_zones else []
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
        interface, gateways = endpoint_plan(used_apis)
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
                policy=self._policy(key, service),
                tags={"Name": f"{cluster_name}-{service}"},
                lifecycle=self._offered_in_zones(key, service),
            )
            for key, service in interface.items()
        }
        self.gateways: dict[str, VpcEndpoint] = {
            service: VpcEndpoint(
                self,
                service,
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=list(route_table_ids),
                policy=self._policy(service, service, state_bucket),
                tags={"Name": f"{cluster_name}-{service}"},
            )
            for service in gateways
        }
        self.s3 = self.gateways["s3"]

    def _policy(self, key: str, service: str, state_bucket: str | None = None) -> str:
        statements = endpoint_statements(service, aws=self._aws, state_bucket=state_bucket)
        document = policy_document(self, f"{key}_policy", statements)
        skip_checks(document, {check: _ENDPOINT_POLICY for check in ("CKV_AWS_1", "CKV_AWS_49", "CKV2_AWS_40")})
        return document.json

    def _names(self, zones: Sequence[str], by_id: bool) -> list[str]:
        """Zone names, which is what DescribeVpcEndpointServices lists; IDs are looked up (known at plan)."""
        if not by_id:
            return list(zones)
        return [DataAwsAvailabilityZone(self, f"zone_{zone}", zone_id=zone).name for zone in zones]

    def _offered_in_zones(self, key: str, service: str) -> TerraformResourceLifecycle | None:
        if not self._zone_names:
            return None
        name = f"com.amazonaws.{self._region}.{service}"
        offered = DataAwsVpcEndpointService(self, f"{key}_service", service_name=name, service_type="Interface")
        return TerraformResourceLifecycle(
            precondition=[
                Precondition(
                    condition=Fn.alltrue([Fn.contains(offered.availability_zones, zone) for zone in self._zone_names]),
                    error_message=(
                        f"{name} is not offered in every zone of vpc.availability_zones in this account; it is offered in "
                        f'${{join(", ", sort({offered.fqn}.availability_zones))}}: name zones it is offered in '
                        "(or their zone IDs) in vpc.availability_zones."
                    ),
                )
            ]
        )

    @property
    def prefix_lists(self) -> dict[str, str]:
        """Gateway service -> the AWS-managed prefix list its routes (and egress rules) name."""
        return {service: endpoint.prefix_list_id for service, endpoint in self.gateways.items()}
