"""A service: what the platform provisions for it, from services/<name>/service.yaml."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from pydantic import Field, StrictInt, ValidationInfo, field_validator, model_validator

from config.reserved import PLATFORM_ROLE_SUFFIXES, RESERVED_NAMESPACES, reserved_namespace
from config.rules import (
    ECR_REPOSITORY,
    EGRESS_MIN_PREFIX,
    EGRESS_RULES_MAX,
    HELM_RELEASE_NAME_MAX,
    Frozen,
    dns1035_label,
    dns_label,
    dns_subdomain,
    ipv4_network,
    relative_key,
)


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
    def _names(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """A name, never a path: only S3 prefixes may contain '/' (checked below); no wildcards, no '..'."""
        allowed = r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}" if info.field_name == "s3_prefixes" else r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
        for name in value:
            # An S3 prefix's segments are checked as a key below (with its own message); any other name has none.
            if not re.fullmatch(allowed, name) or (".." in name and info.field_name != "s3_prefixes"):
                slash = "'/', " if info.field_name == "s3_prefixes" else ""
                raise ValueError(f"{name!r} must be a plain resource name (letters, digits, '.', '_', '-', {slash}no '..', no wildcards)")
        if len(set(value)) != len(value):
            raise ValueError("a name is listed twice")
        return value

    def claims(self) -> set[tuple[str, str]]:
        """(kind, name) of every resource this service declares."""
        return {(kind, name) for kind in type(self).model_fields for name in getattr(self, kind)}

    @field_validator("s3_prefixes")
    @classmethod
    def _prefixes_end_at_a_boundary(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """The policy grants `<prefix>*`: without a trailing '/', `reports` would also grant `reports-secret/`."""
        for prefix in value:
            if not prefix.endswith("/"):
                raise ValueError(f"{prefix!r} must end with '/' so it cannot grant sibling prefixes ({prefix}-other/ ...)")
            relative_key(prefix[:-1], what="S3 prefix")
        return value


class EgressRule(Frozen):
    """A network outside the VPC that a service's pods may open connections to, on these TCP ports.

    Service pods have no internet egress otherwise: AWS APIs are reached through VPC endpoints.
    """

    cidr: str
    ports: tuple[StrictInt, ...]

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        ipv4_network(value, min_prefix=EGRESS_MIN_PREFIX, what="egress")
        return value

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value:
            raise ValueError("list at least one TCP port")
        for port in value:
            if not 1 <= port <= 65535:
                raise ValueError(f"{port} is not a TCP port (1 to 65535)")
        if len(set(value)) != len(value):
            raise ValueError("a port is listed twice")
        return value

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)


class ServiceConfig(Frozen):
    """What the platform provisions for one service. Its Helm values live beside it."""

    name: str
    namespace: str
    service_account: str
    repository: str
    permissions: Permissions = Permissions()
    # Other services whose pods this one may open connections to (their containerPort); every
    # other service-to-service connection is refused by the services' security groups.
    reaches: tuple[str, ...] = ()
    # Networks outside the VPC this service's pods may connect to (anything not an AWS API);
    # each CIDR and port becomes one egress rule on the service's own security group.
    egress: tuple[EgressRule, ...] = ()
    values: Mapping[str, object] = Field(default_factory=dict, repr=False)

    @field_validator("name")
    @classmethod
    def _release_name(cls, value: str) -> str:
        return dns1035_label(value, max_length=HELM_RELEASE_NAME_MAX)

    _namespace = field_validator("namespace")(lambda v: dns_label(v))

    @field_validator("service_account")
    @classmethod
    def _service_account(cls, value: str) -> str:
        if value == "default":
            raise ValueError("'default' is the service account Kubernetes creates in every namespace; name the service's own")
        return dns_subdomain(value)

    @field_validator("reaches", mode="before")
    @classmethod
    def _reaches_is_a_list(cls, value: object) -> object:
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list of service names, like [payment], got {value!r}")
        return value

    @field_validator("reaches")
    @classmethod
    def _reaches(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            dns_label(name, max_length=HELM_RELEASE_NAME_MAX)
        if len(set(value)) != len(value):
            raise ValueError("each service is listed once")
        return value

    @field_validator("egress")
    @classmethod
    def _egress(cls, value: tuple[EgressRule, ...]) -> tuple[EgressRule, ...]:
        rules = sum(len(rule.ports) for rule in value)
        if rules > EGRESS_RULES_MAX:
            raise ValueError(f"at most {EGRESS_RULES_MAX} CIDR and port pairs (one security group rule each), got {rules}")
        cidrs = [rule.cidr for rule in value]
        if len(set(cidrs)) != len(cidrs):
            raise ValueError("a CIDR is listed twice; list its ports once")
        return value

    @property
    def egress_rules(self) -> tuple[tuple[str, int], ...]:
        """(cidr, port) pairs: one security group rule each."""
        return tuple((rule.cidr, port) for rule in self.egress for port in rule.ports)

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if len(value) > 200 or not ECR_REPOSITORY.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid ECR repository name (lower-case, digits, '._-/' separators)")
        return value

    @model_validator(mode="after")
    def _not_a_platform_name(self) -> ServiceConfig:
        if reserved_namespace(self.namespace):
            raise ValueError(
                f"namespace: {self.namespace!r} is reserved for the platform or Kubernetes "
                f"({', '.join(sorted(RESERVED_NAMESPACES))}, kube-*); a service gets a namespace of its own"
            )
        if self.name in PLATFORM_ROLE_SUFFIXES:
            raise ValueError(
                f"name: {self.name!r} is reserved: its IAM role would be the platform's own <cluster>-{self.name} role "
                f"(reserved: {', '.join(sorted(PLATFORM_ROLE_SUFFIXES))})"
            )
        return self
