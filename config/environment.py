"""One environment: the typed, validated object every construct receives a slice of.

Objects are frozen: a construct receives its slice and cannot change what another construct sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from config.access import principal_arns, principal_key
from config.claims import check_claims
from config.eks_addons import addon_versions
from config.emulator import EmulatorConfig, EmulatorFeature
from config.fargate import PLATFORM_NAMESPACES, FargateProfileConfig, derived_profiles
from config.network import PROTECTED_MAX_ADDRESSES, EndpointAccess, NatStrategy, VpcConfig
from config.observability import AlarmConfig
from config.quotas import (
    ECR_REPOSITORIES_PER_REGION,
    FARGATE_PROFILES_PER_CLUSTER,
    IAM_ROLES_PER_ACCOUNT,
    LOG_GROUPS_PER_REGION,
    SECRETS_PER_REGION,
)
from config.reserved import MAX_PER_RESOURCE_TAGS, PER_RESOURCE_TAG_KEYS, PER_RESOURCE_TAG_PREFIXES, PLATFORM_TAG_KEYS
from config.rules import (
    AWS_MAX_TAGS_PER_RESOURCE,
    ECR_REPOSITORY_NAME_MAX,
    IAM_ROLE_NAME_MAX,
    LOG_RETENTION_DAYS,
    PROTECTED_LOG_RETENTION_DAYS,
    Frozen,
    aws_region,
    dns_label,
    partition_of,
    s3_bucket_name,
    tag,
)
from config.service import ServiceConfig
from config.state import LocalBackend, S3Backend

# The one environment whose provider points at the AWS emulator (`make local`).
EMULATED_ENVIRONMENT = "local"


class EcrConfig(Frozen):
    """Lifecycle: untagged images expire `untagged_expire_days` after push, tagged ones beyond the
    newest `keep_last_images`; the tags the environment deploys never expire."""

    keep_last_images: Annotated[StrictInt, Field(ge=1, le=1000)] = 30
    untagged_expire_days: Annotated[StrictInt, Field(ge=1, le=3650)] = 14
    force_delete: StrictBool = False


class EnvironmentConfig(Frozen):
    name: str
    protected: StrictBool
    region: str
    suffix: str
    kubernetes_version: str  # required: a default would go stale as AWS retires versions
    vpc: VpcConfig
    endpoint: EndpointAccess = EndpointAccess()
    log_retention_days: StrictInt
    flow_logs: StrictBool = True
    tags: Mapping[str, str] = Field(default_factory=dict)
    fargate_profiles: Mapping[str, FargateProfileConfig]
    ecr: EcrConfig = EcrConfig()
    alarms: AlarmConfig = AlarmConfig()
    secret_recovery_window_days: StrictInt
    data_bucket: str
    cluster_admin_arns: tuple[str, ...] = ()
    cluster_viewer_arns: tuple[str, ...] = ()
    service_team_arns: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)
    backend: S3Backend | LocalBackend = Field(discriminator="kind")
    emulator: EmulatorConfig | None = None
    services: Mapping[str, ServiceConfig] = Field(default_factory=dict)

    _name = field_validator("name")(lambda v: dns_label(v, max_length=16))
    _suffix = field_validator("suffix")(lambda v: dns_label(v, max_length=12))

    _region = field_validator("region")(lambda v: aws_region(v))
    _data_bucket = field_validator("data_bucket")(lambda v: s3_bucket_name(v))

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: Mapping[str, str]) -> Mapping[str, str]:
        """AWS's tag rules, and nothing that replaces what the platform tags itself."""
        budget = AWS_MAX_TAGS_PER_RESOURCE - len(PLATFORM_TAG_KEYS) - MAX_PER_RESOURCE_TAGS
        if len(value) > budget:
            raise ValueError(
                f"at most {budget} tags: AWS allows {AWS_MAX_TAGS_PER_RESOURCE} per resource, the platform adds "
                f"{len(PLATFORM_TAG_KEYS)} everywhere and up to {MAX_PER_RESOURCE_TAGS} per resource; got {len(value)}"
            )
        owned = {key.lower() for key in PLATFORM_TAG_KEYS | PER_RESOURCE_TAG_KEYS}
        seen: dict[str, str] = {}
        for key, item in value.items():
            tag(key, item)
            # IAM compares tag keys without case ("Duplicate tag keys found"), so the platform's keys are
            # refused in any case, and two keys differing only in case are one key.
            if key.lower() in owned or key.lower().startswith(PER_RESOURCE_TAG_PREFIXES):
                names = ", ".join(sorted(PLATFORM_TAG_KEYS | PER_RESOURCE_TAG_KEYS))
                raise ValueError(f"tag {key!r} is set by the platform ({names}, kubernetes.io/*; in any case) and may not be replaced")
            if key.lower() in seen:
                raise ValueError(f"tags {seen[key.lower()]!r} and {key!r} differ only in case; AWS (IAM) treats tag keys without case")
            seen[key.lower()] = key
        return value

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.fullmatch(r"1\.[0-9]{2}", value):
            raise ValueError(f"{value!r} must be a Kubernetes minor version like '1.35'")
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

    @field_validator("cluster_admin_arns", "cluster_viewer_arns")
    @classmethod
    def _admins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return principal_arns(value)

    @field_validator("service_team_arns")
    @classmethod
    def _service_teams(cls, value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
        for service, arns in value.items():
            try:
                principal_arns(arns)
            except ValueError as error:
                raise ValueError(f"{service}: {error}") from None
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
        if self.endpoint.public_addresses > PROTECTED_MAX_ADDRESSES:
            raise ValueError(
                f"endpoint.public_cidrs: a protected environment opens the API endpoint to at most {PROTECTED_MAX_ADDRESSES} addresses "
                f"in total; this list opens {self.endpoint.public_addresses}"
            )
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
    def _fits_its_region(self) -> EnvironmentConfig:
        self.vpc.check_zones_in(self.region)
        partition = partition_of(self.region)
        principals = {"cluster_admin_arns": self.cluster_admin_arns, "cluster_viewer_arns": self.cluster_viewer_arns}
        principals.update({f"service_team_arns.{name}": arns for name, arns in self.service_team_arns.items()})
        for field, arns in principals.items():
            for arn in arns:
                if arn.split(":")[1] != partition:
                    raise ValueError(f"{field}: {arn!r} is not in {partition!r}, the partition of {self.region}")
        for arn in self.alarms.topic_arns:
            if arn.split(":")[1] != partition or arn.split(":")[3] != self.region:
                raise ValueError(
                    f"alarms.topic_arns: {arn!r} is not in {self.region} ({partition}); CloudWatch notifies topics of its own region"
                )
        if self.emulator is not None and self.name != EMULATED_ENVIRONMENT:
            raise ValueError(f"emulator: only the {EMULATED_ENVIRONMENT!r} environment deploys to the emulator; remove this block")
        return self

    @model_validator(mode="after")
    def _cluster_access_is_explicit(self) -> EnvironmentConfig:
        """One access entry per principal, named by the principal: nobody is admin by running the apply."""
        if self.omits(EmulatorFeature.EKS_ACCESS_API):
            return self
        if not self.cluster_admin_arns:
            raise ValueError(
                "cluster_admin_arns: list at least one IAM role or user: the principal that applies the workloads "
                "stack and the operators (nobody is made cluster admin implicitly)"
            )
        admins = set(self.cluster_admin_arns)
        keys: dict[str, str] = {}
        team_arns = [arn for arns in self.service_team_arns.values() for arn in arns]
        for arn in dict.fromkeys([*self.cluster_admin_arns, *self.cluster_viewer_arns, *team_arns]):
            other = keys.setdefault(principal_key(arn), arn)
            if other != arn:
                raise ValueError(f"cluster_admin_arns: {arn!r} and {other!r} would share the access entry name {principal_key(arn)!r}")
        for arn in self.cluster_viewer_arns:
            if arn in admins:
                raise ValueError(f"cluster_viewer_arns: {arn!r} is already in cluster_admin_arns; list each principal once")
        for service, arns in self.service_team_arns.items():
            if service not in self.services:
                raise ValueError(f"service_team_arns.{service}: not a service (services: {', '.join(sorted(self.services))})")
            for arn in arns:
                if arn in admins:
                    raise ValueError(f"service_team_arns.{service}: {arn!r} is already in cluster_admin_arns; list each principal once")
        return self

    @model_validator(mode="after")
    def _services_fit_the_platform(self) -> EnvironmentConfig:
        claimed: dict[tuple[str, str], str] = {}
        check_claims(self.services, self.fargate_profiles)
        for name, service in self.services.items():
            if service.name != name:
                raise ValueError(f"services.{name}: the map key and the service name differ ({service.name!r})")
            for field, value in (("namespace", service.namespace), ("repository", service.repository)):
                if (field, value) in claimed:
                    raise ValueError(f"services.{name}.{field}: {value!r} is already used by {claimed[field, value]!r}")
                claimed[field, value] = name
            ecr_name = f"{self.repository_prefix}/{service.repository}"
            if len(ecr_name) > ECR_REPOSITORY_NAME_MAX:
                raise ValueError(f"services.{name}.repository: the ECR name {ecr_name!r} would exceed {ECR_REPOSITORY_NAME_MAX} characters")
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
            if service.namespace in PLATFORM_NAMESPACES:
                raise ValueError(f"services.{name}.namespace: {service.namespace!r} is reserved for the platform (config/fargate.py)")
        return self

    @model_validator(mode="after")
    def _within_quotas(self) -> EnvironmentConfig:
        """What grows with services, against the AWS quotas in config/quotas.py."""
        derived = derived_profiles()
        for name in self.fargate_profiles:
            if name in derived:
                raise ValueError(f"fargate_profiles.{name}: the platform derives this profile (config/fargate.py); remove it here")
        FARGATE_PROFILES_PER_CLUSTER.check(
            len(self.all_fargate_profiles),
            f"Fargate profiles ({len(self.fargate_profiles)} configured, {len(derived)} the platform adds)",
            field="fargate_profiles",
        )
        count = len(self.services)
        IAM_ROLES_PER_ACCOUNT.check(
            count + self.platform_role_count, f"IAM roles (one per service, {self.platform_role_count} for the platform)", field="services"
        )
        ECR_REPOSITORIES_PER_REGION.check(len({s.repository for s in self.services.values()}), "ECR repositories", field="services")
        SECRETS_PER_REGION.check(count, "Secrets Manager secrets (one per service)", field="services")
        platform_groups = 4 + len(self.platform_fargate_namespaces)  # control plane, router, 2 Container Insights
        LOG_GROUPS_PER_REGION.check(
            count + platform_groups, f"log groups (one per service, {platform_groups} for the platform)", field="services"
        )
        return self

    @property
    def cluster_name(self) -> str:
        return f"tap-{self.suffix}"

    def service_role_name(self, service: str) -> str:
        return f"{self.cluster_name}-{service}"

    @property
    def addon_versions(self) -> dict[str, str]:
        """The reviewed version of each EKS add-on for this Kubernetes version (the loader checked there is one)."""
        return addon_versions(self.kubernetes_version)

    @property
    def repository_prefix(self) -> str:
        return self.cluster_name

    @property
    def platform_role_count(self) -> int:
        """IAM roles besides the services': cluster, Fargate pod execution, load balancer controller,
        Container Insights collector, flow logs."""
        return 4 + int(self.flow_logs)

    @property
    def all_fargate_profiles(self) -> Mapping[str, FargateProfileConfig]:
        """The configured profiles plus the platform's fixed ones (config/fargate.py); none per service."""
        return {**self.fargate_profiles, **derived_profiles()}

    @property
    def namespace_editors(self) -> dict[str, tuple[str, ...]]:
        """Each service team principal -> the namespaces it may edit (its services'), sorted."""
        editors: dict[str, set[str]] = {}
        for service, arns in self.service_team_arns.items():
            for arn in arns:
                editors.setdefault(arn, set()).add(self.services[service].namespace)
        return {arn: tuple(sorted(namespaces)) for arn, namespaces in editors.items()}

    @property
    def deployed_image_tags(self) -> dict[str, tuple[str, ...]]:
        """Service -> the image tags this environment's values deploy (the chart schema refuses a missing one)."""
        tags: dict[str, tuple[str, ...]] = {}
        for name, service in self.services.items():
            image = service.values.get("image")
            tag = image.get("tag") if isinstance(image, Mapping) else None
            tags[name] = (str(tag),) if tag is not None else ()
        return tags

    @property
    def nat_elastic_ips(self) -> int:
        """Elastic IPs the VPC's NAT gateways hold (one per gateway)."""
        return 1 if self.vpc.nat is NatStrategy.SINGLE else len(self.vpc.availability_zones)

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
