"""A service: what the platform provisions for it, from services/<name>/service.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field, ValidationInfo, field_validator, model_validator

from config.reserved import PLATFORM_ROLE_SUFFIXES, RESERVED_NAMESPACES, reserved_namespace
from config.rules import ECR_REPOSITORY, HELM_RELEASE_NAME_MAX, Frozen, dns1035_label, dns_label, dns_subdomain, relative_key


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
