"""A service's network facts, read from its Helm values over the chart's defaults.

No provider bindings here: both layers use it (the platform for security group rules, the
workloads for which ALB group an Ingress names).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from config.loader import REPO_ROOT, deep_merge
from config.model import ServiceConfig

_CHART_DEFAULTS = REPO_ROOT / "charts" / "service" / "values.yaml"

GATEWAY = "Gateway"
INTERFACE = "Interface"
# Each kind of `permissions` a service.yaml declares -> the VPC endpoint its SDK calls go through
# (service suffix of com.amazonaws.<region>.<suffix>, endpoint type). AWS offers gateway endpoints
# for S3 and DynamoDB only (free, routed by prefix list); every other API gets an interface
# endpoint with private DNS, so the SDK's default regional hostname resolves to it. An interface
# endpoint is created only when some service's permissions need it (each costs per hour and AZ).
PERMISSION_ENDPOINTS: dict[str, tuple[str, str]] = {
    "dynamodb_tables": ("dynamodb", GATEWAY),
    "s3_prefixes": ("s3", GATEWAY),
    "sqs_queues": ("sqs", INTERFACE),
    "sns_topics": ("sns", INTERFACE),
    "sagemaker_endpoints": ("sagemaker.runtime", INTERFACE),  # InvokeEndpoint: runtime.sagemaker.<region>.amazonaws.com
    "athena_workgroups": ("athena", INTERFACE),
    "glue_databases": ("glue", INTERFACE),
}


def endpoint_services(services: Iterable[ServiceConfig]) -> set[str]:
    """The endpoint services (`sqs`, `dynamodb` ...) the services' declared permissions call."""
    return {
        PERMISSION_ENDPOINTS[kind][0]
        for service in services
        for kind in type(service.permissions).model_fields
        if getattr(service.permissions, kind)
    }


@functools.cache
def _chart_defaults() -> dict[str, Any]:
    """Parsed once per process: with 100 services, parsing it per service and per use (the security
    groups, the alarms, the load balancer values) was a third of the synth's build time."""
    return yaml.safe_load(_CHART_DEFAULTS.read_text())


def chart_values(service: ServiceConfig) -> dict[str, Any]:
    """The service's Helm values over the chart's defaults: what the release will run with."""
    return deep_merge(copy.deepcopy(_chart_defaults()), service.values)


@dataclass(frozen=True)
class ServiceNetwork:
    """What the security groups need to know of a service: its port, its ingress scheme, whom it reaches,
    the gateway-endpoint APIs it calls and the networks outside the VPC it may connect to."""

    container_port: int
    scheme: str | None
    reaches: tuple[str, ...]
    gateway_apis: tuple[str, ...] = ()
    egress: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, service: ServiceConfig) -> ServiceNetwork:
        values = chart_values(service)
        ingress = values.get("ingress") or {}
        return cls(
            container_port=int(values["containerPort"]),
            scheme=str(ingress.get("scheme", "internal")) if ingress.get("enabled") else None,
            reaches=service.reaches,
            gateway_apis=tuple(sorted(api for api in endpoint_services([service]) if _endpoint_type(api) == GATEWAY)),
            egress=service.egress_rules,
        )


def _endpoint_type(api: str) -> str:
    return next(kind for name, kind in PERMISSION_ENDPOINTS.values() if name == api)
