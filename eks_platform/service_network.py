"""A service's network facts, read from its Helm values over the chart's defaults.

No provider bindings here: both layers use it (the platform for security group rules, the
workloads for which ALB group an Ingress names).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

import yaml

from config.loader import REPO_ROOT, deep_merge
from config.model import ServiceConfig

_CHART_DEFAULTS = REPO_ROOT / "charts" / "service" / "values.yaml"


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
    """What the security groups need to know of a service: its port, its ingress scheme, whom it reaches."""

    container_port: int
    scheme: str | None
    reaches: tuple[str, ...]

    @classmethod
    def of(cls, service: ServiceConfig) -> ServiceNetwork:
        values = chart_values(service)
        ingress = values.get("ingress") or {}
        return cls(
            container_port=int(values["containerPort"]),
            scheme=str(ingress.get("scheme", "internal")) if ingress.get("enabled") else None,
            reaches=service.reaches,
        )
