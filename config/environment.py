"""One environment: the typed, validated object every construct receives a slice of.

Objects are frozen: a construct receives its slice and cannot change what another construct sees.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from config.emulator import EmulatorConfig, EmulatorFeature
from config.fargate import FargateProfileConfig, FargateSelector
from config.network import EndpointAccess, NatStrategy, VpcConfig
from config.rules import (
    AWS_REGION,
    IAM_PRINCIPAL_ARN,
    IAM_ROLE_NAME_MAX,
    LOG_RETENTION_DAYS,
    PROTECTED_LOG_RETENTION_DAYS,
    Frozen,
    dns_label,
)
from config.service import ServiceConfig
from config.state import LocalBackend, S3Backend

# Namespaces the platform itself runs pods in on Fargate (besides kube-system), each with a
# Fargate profile and a log group; no service may use them.
PLATFORM_NAMESPACES: tuple[str, ...] = ()


class EcrConfig(Frozen):
    keep_last_images: Annotated[int, Field(ge=1, le=1000)] = 30
    force_delete: bool = False


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
            for target in service.reaches:
                if target == name:
                    raise ValueError(f"services.{name}.reaches: a service always reaches itself; list other services only")
                if target not in self.services:
                    raise ValueError(
                        f"services.{name}.reaches: {target!r} is not a service; choose from {', '.join(sorted(self.services))}"
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

    @property
    def fargate_log_group_prefix(self) -> str:
        """Fargate's log router writes each namespace's pods to `<prefix><namespace>`, a group the platform creates."""
        return f"/aws/eks/{self.cluster_name}/workloads/"

    def fargate_log_group(self, namespace: str) -> str:
        return f"{self.fargate_log_group_prefix}{namespace}"

    @property
    def platform_fargate_namespaces(self) -> tuple[str, ...]:
        """Namespaces besides the services' whose pods run on Fargate: the configured profiles'
        (kube-system at least) and the platform's own. Wildcard selectors name no one namespace."""
        selected = [s.namespace for p in self.fargate_profiles.values() for s in p.selectors]
        own = [n for n in PLATFORM_NAMESPACES if n not in selected]
        service_namespaces = {s.namespace for s in self.services.values()}
        return tuple(dict.fromkeys(n for n in [*selected, *own] if "*" not in n and "?" not in n and n not in service_namespaces))

    def omits(self, feature: EmulatorFeature) -> bool:
        return self.emulator is not None and feature in self.emulator.omit

    def all_tags(self) -> dict[str, str]:
        return {"Project": "tap-eks", "Environment": self.name, "ManagedBy": "cdktf", **self.tags}
