"""The typed, validated configuration of one environment.

Every rule lives here, next to the field it guards, and its message states the rule, so
that `loader.load_environment` can report "file: field: rule" on one line. Objects are
frozen: a construct receives its slice and cannot change what another construct sees.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ECR_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
# A Helm release name is stored in a Secret label and must leave room for the revision suffix.
HELM_RELEASE_NAME_MAX = 53
IAM_ROLE_NAME_MAX = 64
# Audit logs of a protected (payment) environment are kept a year: PCI DSS requirement 10.5.1.
PROTECTED_LOG_RETENTION_DAYS = 365


def dns_label(value: str, *, max_length: int = 63) -> str:
    if len(value) > max_length or not DNS1123_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label (lower-case letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {max_length} characters)"
        )
    return value


def dns_subdomain(value: str) -> str:
    if len(value) > 253 or not DNS1123_SUBDOMAIN.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 subdomain (lower-case labels separated by '.', at most 253 characters)")
    return value


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NatStrategy(StrEnum):
    """`single` shares one NAT gateway (cheap, one AZ can cut egress); `per_az` survives an AZ loss."""

    SINGLE = "single"
    PER_AZ = "per_az"


class VpcConfig(Frozen):
    cidr: str
    availability_zones: tuple[str, str, str]
    nat: NatStrategy

    @field_validator("cidr")
    @classmethod
    def _cidr_fits_six_subnets(cls, value: str) -> str:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"{value!r} is not an IPv4 network in CIDR notation ({error})") from None
        if network.version != 4 or not 16 <= network.prefixlen <= 20:
            raise ValueError(f"{value!r} must be an IPv4 network from /16 to /20 (it is cut into six subnets: 3 public, 3 private)")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _three_distinct_zones(cls, value: tuple[str, str, str]) -> tuple[str, str, str]:
        if len(set(value)) != 3:
            raise ValueError("the three availability zones must be distinct")
        return value

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)


class EndpointAccess(Frozen):
    """The private endpoint is always on; the public one is off or limited to listed CIDRs."""

    public: bool = False
    public_cidrs: tuple[str, ...] = ()

    @field_validator("public_cidrs")
    @classmethod
    def _valid_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a network in CIDR notation") from None
        return value

    @model_validator(mode="after")
    def _public_needs_cidrs(self) -> EndpointAccess:
        if self.public and not self.public_cidrs:
            raise ValueError("public_cidrs: must list at least one CIDR when public access is on (AWS reads an empty list as 0.0.0.0/0)")
        if not self.public and self.public_cidrs:
            raise ValueError("public_cidrs: must be empty while public access is off")
        return self


class FargateSelector(Frozen):
    namespace: str
    labels: Mapping[str, str] = Field(default_factory=dict)

    _namespace = field_validator("namespace")(lambda v: dns_label(v))


class FargateProfileConfig(Frozen):
    selectors: tuple[FargateSelector, ...]

    @field_validator("selectors")
    @classmethod
    def _one_to_five(cls, value: tuple[FargateSelector, ...]) -> tuple[FargateSelector, ...]:
        if not 1 <= len(value) <= 5:
            raise ValueError(f"a Fargate profile supports 1 to 5 selectors, got {len(value)}")
        return value


class EcrConfig(Frozen):
    keep_last_images: Annotated[int, Field(ge=1, le=1000)] = 30
    force_delete: bool = False


class S3Backend(Frozen):
    kind: Literal["s3"]
    bucket: str
    region: str
    key_prefix: str = "eks-platform"


class LocalBackend(Frozen):
    kind: Literal["local"]
    directory: str = "terraform-state"


class EmulatorFeature(StrEnum):
    """Parts of the platform an AWS emulator may lack. The platform leaves out exactly these."""

    EKS_ADDONS = "eks_addons"
    EKS_ACCESS_API = "eks_access_api"


class EmulatorConfig(Frozen):
    """Points the AWS provider at an emulator; `endpoint` is a default the runner overrides."""

    endpoint: str = "http://127.0.0.1:5000"
    omit: Mapping[EmulatorFeature, str] = Field(default_factory=dict)


class Permissions(Frozen):
    """AWS resources a service may use, by name; each becomes a least-privilege statement."""

    dynamodb_tables: tuple[str, ...] = ()
    sqs_queues: tuple[str, ...] = ()
    sns_topics: tuple[str, ...] = ()
    s3_prefixes: tuple[str, ...] = ()
    sagemaker_endpoints: tuple[str, ...] = ()
    athena_workgroups: tuple[str, ...] = ()
    glue_databases: tuple[str, ...] = ()

    @field_validator("*")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}", name) or "*" in name:
                raise ValueError(f"{name!r} must be a plain resource name (letters, digits, '.', '_', '-', '/'; no wildcards)")
        return value


class ServiceConfig(Frozen):
    """What the platform provisions for one service. Its Helm values live beside it."""

    name: str
    namespace: str
    service_account: str
    repository: str
    permissions: Permissions = Permissions()
    values: Mapping[str, object] = Field(default_factory=dict, repr=False)

    @field_validator("name")
    @classmethod
    def _release_name(cls, value: str) -> str:
        return dns_label(value, max_length=HELM_RELEASE_NAME_MAX)

    _namespace = field_validator("namespace")(lambda v: dns_label(v))
    _service_account = field_validator("service_account")(lambda v: dns_subdomain(v))

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if len(value) > 200 or not ECR_REPOSITORY.match(value):
            raise ValueError(f"{value!r} is not a valid ECR repository name (lower-case, digits, '._-/' separators)")
        return value

    @model_validator(mode="after")
    def _not_a_system_namespace(self) -> ServiceConfig:
        if self.namespace in {"kube-system", "kube-public", "kube-node-lease", "default", "aws-observability"}:
            raise ValueError(f"namespace: {self.namespace!r} is reserved; a service gets a namespace of its own")
        return self


class EnvironmentConfig(Frozen):
    name: str
    protected: bool
    region: str
    suffix: str
    kubernetes_version: str = "1.29"
    vpc: VpcConfig
    endpoint: EndpointAccess = EndpointAccess()
    log_retention_days: int
    flow_logs: bool = True
    tags: Mapping[str, str] = Field(default_factory=dict)
    fargate_profiles: Mapping[str, FargateProfileConfig]
    ecr: EcrConfig = EcrConfig()
    secret_recovery_window_days: int
    data_bucket: str
    cluster_admin_arns: tuple[str, ...] = ()
    backend: S3Backend | LocalBackend = Field(discriminator="kind")
    emulator: EmulatorConfig | None = None
    services: Mapping[str, ServiceConfig] = Field(default_factory=dict)

    _name = field_validator("name")(lambda v: dns_label(v, max_length=16))
    _suffix = field_validator("suffix")(lambda v: dns_label(v, max_length=12))

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not AWS_REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region name like 'eu-west-1'")
        return value

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.fullmatch(r"1\.\d{2}", value):
            raise ValueError(f"{value!r} must be a Kubernetes minor version like '1.29'")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"{value} is not a retention CloudWatch Logs accepts; choose one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value

    @field_validator("secret_recovery_window_days")
    @classmethod
    def _recovery_window(cls, value: int) -> int:
        if value != 0 and not 7 <= value <= 30:
            raise ValueError(f"{value} must be 0 (delete at once) or 7 to 30 days")
        return value

    @field_validator("cluster_admin_arns")
    @classmethod
    def _admins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            if not IAM_PRINCIPAL_ARN.match(arn):
                raise ValueError(f"{arn!r} is not an IAM role or user ARN")
        return value

    @field_validator("fargate_profiles")
    @classmethod
    def _profile_names(cls, value: Mapping[str, FargateProfileConfig]) -> Mapping[str, FargateProfileConfig]:
        for name in value:
            dns_label(name)
        if "kube-system" not in value:
            raise ValueError("a 'kube-system' profile is required: CoreDNS and the load balancer controller run on Fargate")
        return value

    @model_validator(mode="after")
    def _protected_environment_rules(self) -> EnvironmentConfig:
        if not self.protected:
            return self
        if self.vpc.nat is not NatStrategy.PER_AZ:
            raise ValueError("vpc.nat: a protected environment needs one NAT gateway per AZ ('per_az')")
        if any(ipaddress.ip_network(c).prefixlen == 0 for c in self.endpoint.public_cidrs):
            raise ValueError("endpoint.public_cidrs: a protected environment must not open the API endpoint to the whole internet")
        if self.log_retention_days < PROTECTED_LOG_RETENTION_DAYS:
            raise ValueError(
                f"log_retention_days: a protected environment keeps logs at least {PROTECTED_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1)"
            )
        if self.ecr.force_delete:
            raise ValueError("ecr.force_delete: a protected environment keeps its images when a repository is destroyed")
        if self.secret_recovery_window_days == 0:
            raise ValueError("secret_recovery_window_days: a protected environment keeps deleted secrets recoverable (7 to 30)")
        if self.emulator is not None:
            raise ValueError("emulator: a protected environment deploys to real AWS")
        return self

    @model_validator(mode="after")
    def _services_fit_the_platform(self) -> EnvironmentConfig:
        namespaces: dict[str, str] = {}
        for name, service in self.services.items():
            if service.name != name:
                raise ValueError(f"services.{name}: the map key and the service name differ ({service.name!r})")
            if service.namespace in namespaces:
                raise ValueError(f"services.{name}.namespace: {service.namespace!r} is already used by {namespaces[service.namespace]!r}")
            namespaces[service.namespace] = name
            if len(self.service_role_name(name)) > IAM_ROLE_NAME_MAX:
                raise ValueError(
                    f"services.{name}: its IAM role name {self.service_role_name(name)!r} would exceed "
                    f"{IAM_ROLE_NAME_MAX} characters; shorten the service name"
                )
            if name in self.fargate_profiles:
                raise ValueError(f"fargate_profiles.{name}: a service's profile is derived from the service; remove it here")
        return self

    @property
    def cluster_name(self) -> str:
        return f"tap-{self.suffix}"

    def service_role_name(self, service: str) -> str:
        return f"{self.cluster_name}-{service}"

    @property
    def repository_prefix(self) -> str:
        return self.cluster_name

    @property
    def all_fargate_profiles(self) -> Mapping[str, FargateProfileConfig]:
        """The configured profiles plus one per service, selecting its namespace."""
        derived = {
            name: FargateProfileConfig(selectors=(FargateSelector(namespace=service.namespace),)) for name, service in self.services.items()
        }
        return {**self.fargate_profiles, **derived}

    def omits(self, feature: EmulatorFeature) -> bool:
        return self.emulator is not None and feature in self.emulator.omit

    def all_tags(self) -> dict[str, str]:
        return {"Project": "tap-eks", "Environment": self.name, "ManagedBy": "cdktf", **self.tags}
