"""One environment: the typed, validated object every construct receives a slice of.

Objects are frozen: a construct receives its slice and cannot change what another construct sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from config.access import principal_arns
from config.access_logs import AccessLogConfig
from config.eks_addons import addon_versions
from config.emulator import EmulatorConfig, EmulatorFeature
from config.environment_rules import check_environment
from config.fargate import PLATFORM_NAMESPACES, FargateProfileConfig, derived_profiles
from config.network import EndpointAccess, NatStrategy, VpcConfig
from config.observability import AlarmConfig
from config.reserved import (
    LOAD_BALANCER_CONTROLLER_TAG_PREFIXES,
    MAX_PER_RESOURCE_TAGS,
    PER_RESOURCE_TAG_KEYS,
    PER_RESOURCE_TAG_PREFIXES,
    PLATFORM_TAG_KEYS,
)
from config.rules import (
    AWS_MAX_TAGS_PER_RESOURCE,
    LOG_RETENTION_DAYS,
    Frozen,
    aws_region,
    dns_label,
    environment_suffix,
    s3_bucket_name,
    tag,
)
from config.service import ServiceConfig
from config.state import LocalBackend, S3Backend


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
    access_logs: AccessLogConfig = AccessLogConfig()
    secret_recovery_window_days: StrictInt
    data_bucket: str
    cluster_admin_arns: tuple[str, ...] = ()
    cluster_viewer_arns: tuple[str, ...] = ()
    service_team_arns: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)
    backend: S3Backend | LocalBackend = Field(discriminator="kind")
    emulator: EmulatorConfig | None = None
    services: Mapping[str, ServiceConfig] = Field(default_factory=dict)

    _name = field_validator("name")(lambda v: dns_label(v, max_length=16))
    _suffix = field_validator("suffix")(lambda v: environment_suffix(v))

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
            if key.lower().startswith(LOAD_BALANCER_CONTROLLER_TAG_PREFIXES):
                prefixes = ", ".join(LOAD_BALANCER_CONTROLLER_TAG_PREFIXES)
                raise ValueError(
                    f"tag {key!r} is in a name space of the load balancer controller ({prefixes}); it refuses to start with "
                    "such a key in its default tags (config/reserved.py)"
                )
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
        # By what it selects, not by its name: a selector with labels takes only some of kube-system's pods.
        if not any(s.namespace == "kube-system" and not s.labels for s in value["kube-system"].selectors):
            raise ValueError(
                "kube-system: the 'kube-system' profile must select the namespace kube-system without labels: CoreDNS and the "
                "load balancer controller run there on Fargate, and without it they never start"
            )
        return value

    @model_validator(mode="after")
    def _rules_across_fields(self) -> EnvironmentConfig:
        """The rules that span several fields: config/environment_rules.py."""
        check_environment(self)
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
        Container Insights collector, flow logs, and the deploy runner of a private endpoint (eks_platform/stack.py;
        tests/eks_platform/test_reserved_names.py counts them in the synthesized stack)."""
        return 4 + int(self.flow_logs) + int(not self.endpoint.public)

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
