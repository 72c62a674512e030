"""Fargate profiles: which pods run on Fargate.

The set of profiles is fixed, so onboarding a service never creates or replaces one (profiles
are immutable, take minutes each, and a cluster holds at most 10):

- the configured profiles (`kube-system`, from the environment file);
- one profile per platform namespace (`PLATFORM_NAMESPACES`, below), added with the platform code
  that deploys into it;
- `services`: namespace `*` with the label `SERVICE_POD_LABEL`, which the service chart puts on
  every pod. EKS selectors accept `*` and `?` wildcards in namespaces, label keys and values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field, field_validator

from config.observability import COLLECTOR_NAMESPACE
from config.quotas import LABELS_PER_FARGATE_SELECTOR, SELECTORS_PER_FARGATE_PROFILE
from config.rules import Frozen, dns_label, labels

# The label the service chart sets on every pod (charts/service/templates/_helpers.tpl,
# "service.fargateLabels"); the `services` profile selects it in every namespace.
SERVICE_POD_LABEL = ("tap.platform/compute", "fargate")
SERVICES_PROFILE = "services"
# Namespaces the platform itself deploys into, besides kube-system (which the environment file
# configures): each gets a Fargate profile of its own, named after it. The one place to add a
# platform namespace (e.g. an ADOT collector's); service namespaces never belong here.
PLATFORM_NAMESPACES: tuple[str, ...] = (COLLECTOR_NAMESPACE,)  # the Container Insights collector and kube-state-metrics

# A namespace or label pattern: Kubernetes' characters plus EKS's wildcards `*` and `?`.
WILDCARD_PATTERN = re.compile(r"[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?")


class FargateSelector(Frozen):
    namespace: str
    labels: Mapping[str, str] = Field(default_factory=dict)

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if "*" not in value and "?" not in value:
            return dns_label(value)
        if len(value) > 63 or not WILDCARD_PATTERN.fullmatch(value):
            raise ValueError(f"{value!r} is not a namespace pattern (a DNS-1123 label that may contain the wildcards '*' and '?')")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: Mapping[str, str]) -> Mapping[str, str]:
        LABELS_PER_FARGATE_SELECTOR.check(len(value), "labels in one selector")
        return labels(value)


class FargateProfileConfig(Frozen):
    selectors: tuple[FargateSelector, ...]

    @field_validator("selectors")
    @classmethod
    def _one_to_five(cls, value: tuple[FargateSelector, ...]) -> tuple[FargateSelector, ...]:
        if not 1 <= len(value) <= SELECTORS_PER_FARGATE_PROFILE.limit:
            raise ValueError(
                f"a Fargate profile supports 1 to {SELECTORS_PER_FARGATE_PROFILE.limit} selectors, got {len(value)} "
                f"({SELECTORS_PER_FARGATE_PROFILE.source})"
            )
        return value


def derived_profiles(platform_namespaces: tuple[str, ...] = PLATFORM_NAMESPACES) -> dict[str, FargateProfileConfig]:
    """The profiles the platform adds to the configured ones: one per platform namespace, and `services`."""
    profiles = {namespace: FargateProfileConfig(selectors=(FargateSelector(namespace=namespace),)) for namespace in platform_namespaces}
    key, value = SERVICE_POD_LABEL
    profiles[SERVICES_PROFILE] = FargateProfileConfig(selectors=(FargateSelector(namespace="*", labels={key: value}),))
    return profiles
