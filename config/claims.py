"""What no single file can see: a resource, a prefix or a namespace claimed by two services or profiles."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from config.blame import blamed_service
from config.fargate import PLATFORM_NAMESPACES, FargateProfileConfig
from config.service import ServiceConfig


def check_claims(services: Mapping[str, ServiceConfig], fargate_profiles: Mapping[str, FargateProfileConfig]) -> None:
    """Raises ValueError ('field: rule') when a service's permissions name another service's resource or
    nest inside its S3 prefix, or a configured Fargate profile selects a service namespace."""
    owners: dict[tuple[str, str], str] = {}
    for name, service in sorted(services.items()):
        # A resource belongs to one service: another service's service.yaml cannot claim it.
        for kind, resource in sorted(service.permissions.claims()):
            if (kind, resource) in owners:
                loser, winner, note = blamed_service(owners[kind, resource], name)
                raise ValueError(
                    f"services.{loser}.permissions.{kind}: {resource!r} is already {winner}'s; "
                    f"a resource is granted to the one service that declares it{note}"
                )
            owners[kind, resource] = name
    # Linear in the prefixes' total length (not in their pairs): every prefix ends with '/', so one lies inside
    # another exactly when the other is one of its own '/'-bounded ancestors, each looked up once.
    prefixes = {resource: owner for (kind, resource), owner in owners.items() if kind == "s3_prefixes"}
    for inner, inner_owner in sorted(prefixes.items()):
        cut = inner.find("/")
        while cut != -1 and cut < len(inner) - 1:
            outer = inner[: cut + 1]
            if prefixes.get(outer, inner_owner) != inner_owner:
                loser, _, note = blamed_service(prefixes[outer], inner_owner)
                raise ValueError(
                    f"services.{loser}.permissions.s3_prefixes: {inner!r} ({inner_owner}'s) lies inside {outer!r} "
                    f"({prefixes[outer]}'s); a service's prefixes may not overlap another's{note}"
                )
            cut = inner.find("/", cut + 1)
    for profile, config in fargate_profiles.items():
        for index, selector in enumerate(config.selectors):
            platform = sorted(n for n in PLATFORM_NAMESPACES if fnmatch.fnmatchcase(n, selector.namespace))
            if platform:
                raise ValueError(
                    f"fargate_profiles.{profile}.selectors.{index}.namespace: {selector.namespace!r} selects the platform namespace "
                    f"{platform[0]!r}, which has a Fargate profile of its own (config/fargate.py); one profile per namespace"
                )
            taken = sorted(s.namespace for s in services.values() if fnmatch.fnmatchcase(s.namespace, selector.namespace))
            if taken:
                raise ValueError(
                    f"fargate_profiles.{profile}.selectors.{index}.namespace: {selector.namespace!r} selects the service "
                    f"namespace {taken[0]!r}; service pods run on the platform's services profile (one profile per pod)"
                )
