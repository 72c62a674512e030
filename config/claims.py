"""What no single file can see: a resource, a prefix or a namespace claimed by two services or profiles."""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Mapping

from config.fargate import FargateProfileConfig
from config.service import ServiceConfig


def check_claims(services: Mapping[str, ServiceConfig], fargate_profiles: Mapping[str, FargateProfileConfig]) -> None:
    """Raises ValueError ('field: rule') when a service's permissions name another service's resource or
    nest inside its S3 prefix, or a configured Fargate profile selects a service namespace."""
    owners: dict[tuple[str, str], str] = {}
    for name, service in sorted(services.items()):
        # A resource belongs to one service: another service's service.yaml cannot claim it.
        for kind, resource in sorted(service.permissions.claims()):
            if (kind, resource) in owners:
                raise ValueError(
                    f"services.{name}.permissions.{kind}: {resource!r} is already {owners[kind, resource]!r}'s; "
                    "a resource is granted to the one service that declares it"
                )
            owners[kind, resource] = name
    prefixes = sorted((resource, owner) for (kind, resource), owner in owners.items() if kind == "s3_prefixes")
    for (outer, outer_owner), (inner, inner_owner) in itertools.permutations(prefixes, 2):
        if inner.startswith(outer) and outer_owner != inner_owner:
            raise ValueError(
                f"services.{inner_owner}.permissions.s3_prefixes: {inner!r} lies inside {outer_owner}'s {outer!r}; "
                "a service's prefixes may not overlap another's"
            )
    for profile, config in fargate_profiles.items():
        for index, selector in enumerate(config.selectors):
            taken = sorted(s.namespace for s in services.values() if fnmatch.fnmatchcase(s.namespace, selector.namespace))
            if taken:
                raise ValueError(
                    f"fargate_profiles.{profile}.selectors.{index}.namespace: {selector.namespace!r} selects the service "
                    f"namespace {taken[0]!r}; service pods run on the platform's services profile (one profile per pod)"
                )
