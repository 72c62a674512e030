"""A service: what the platform provisions for it, from services/<name>/service.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field, field_validator, model_validator

from config.rules import ECR_REPOSITORY, HELM_RELEASE_NAME_MAX, Frozen, dns_label, dns_subdomain


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
    # Other services whose pods this one may open connections to (their containerPort); every
    # other service-to-service connection is refused by the services' security groups.
    reaches: tuple[str, ...] = ()
    values: Mapping[str, object] = Field(default_factory=dict, repr=False)

    @field_validator("name")
    @classmethod
    def _release_name(cls, value: str) -> str:
        return dns_label(value, max_length=HELM_RELEASE_NAME_MAX)

    _namespace = field_validator("namespace")(lambda v: dns_label(v))
    _service_account = field_validator("service_account")(lambda v: dns_subdomain(v))

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
        if len(value) > 200 or not ECR_REPOSITORY.match(value):
            raise ValueError(f"{value!r} is not a valid ECR repository name (lower-case, digits, '._-/' separators)")
        return value

    @model_validator(mode="after")
    def _not_a_system_namespace(self) -> ServiceConfig:
        if self.namespace in {"kube-system", "kube-public", "kube-node-lease", "default", "aws-observability"}:
            raise ValueError(f"namespace: {self.namespace!r} is reserved; a service gets a namespace of its own")
        return self
