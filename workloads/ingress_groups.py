"""Which load balancer each service's Ingress joins, checked across services at synth.

An environment's Ingresses share one Application Load Balancer per scheme through an
IngressGroup (`alb.ingress.kubernetes.io/group.name`), instead of one ALB each: at 50 services
that is 2 load balancers billed by the hour, not 50. A service may ask for its own with
`ingress.dedicated: true`.

What belongs to the load balancer rather than to one Ingress must agree across its group, or
the controller stops reconciling the whole group: the certificate (and with it the listen ports
and the HTTPS redirect), the SSL policy and the WAF web ACL. Two services routing the same host
and path would shadow one another. Both are refused here, naming both services' values files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.blame import Claimant, established
from config.loader import REPO_ROOT, SERVICES_DIR, ConfigError, deep_merge, file_setting
from config.model import EnvironmentConfig
from config.quotas import ALB_LISTENER_RULES, ALB_TARGET_GROUPS, ALBS_PER_REGION

CHART_DEFAULTS = REPO_ROOT / "charts" / "service" / "values.yaml"
# Settings of the load balancer itself (listen ports and the redirect follow from certificateArn).
PER_LOAD_BALANCER = ("certificateArn", "sslPolicy", "wafAclArn")
# Each Ingress has one path and one backend: one listener rule (with HTTPS, the HTTP listener's
# redirect is its default action, not a rule) and one target group.
RULES_PER_INGRESS = 1
TARGET_GROUPS_PER_INGRESS = 1


class IngressConflict(ConfigError):
    """A refusal about services' Ingresses that names the services involved: their own mistakes are the more
    precise message, so they are rendered first (tap.py refuse_before_forking)."""

    def __init__(self, message: str, services: Iterable[str]) -> None:
        super().__init__(message)
        self.services = tuple(services)


@dataclass(frozen=True)
class Placement:
    """Where a service's Ingress goes: its group ("" = a dedicated load balancer) and its order in it."""

    group: str
    order: int

    def values(self) -> dict[str, Any]:
        return {"ingress": {"group": {"name": self.group, "order": self.order}}}


def routes_overlap(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Whether some request matches both (host, path) routes: the hosts can be the same (equal, one
    any-host, or a `*.` wildcard covering the other) and one Prefix path covers the other."""

    def host_covers(pattern: str, host: str) -> bool:
        return not pattern or pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:]))

    def path_covers(prefix: str, path: str) -> bool:
        base = prefix.rstrip("/")
        return path in (prefix, base) or not base or path.startswith(base + "/")

    # Two `*.` hosts share a request only when one suffix ends with the other, which host_covers already
    # sees (`*.example.com` covers `*.api.example.com`); `*.payments.example.com` and `*.reports.example.com` never do.
    (host_a, path_a), (host_b, path_b) = first, second
    hosts = host_covers(host_a, host_b) or host_covers(host_b, host_a)
    return hosts and (path_covers(path_a, path_b) or path_covers(path_b, path_a))


def group_name(cluster_name: str, scheme: str) -> str:
    """The shared group of one scheme: deterministic, e.g. tap-prod-internet-facing."""
    return f"{cluster_name}-{scheme}"


def placements(config: EnvironmentConfig, services_dir: Path = SERVICES_DIR) -> dict[str, Placement]:
    """The placement of every service with an Ingress, or ConfigError naming the values files at odds."""
    defaults = yaml.safe_load(CHART_DEFAULTS.read_text())["ingress"]
    ingresses = {
        name: deep_merge(defaults, _ingress(service.values))
        for name, service in sorted(config.services.items())
        if _ingress(service.values).get("enabled")
    }

    def where(service: str, field: str) -> str:
        return file_setting(services_dir / service, config.name, f"ingress.{field}", services_dir)

    # These checks run before each service's own schema check: what they read must be strings first
    # (`host: 12345` is the schema's to refuse, but must not reach a string comparison here).
    for name, ingress in ingresses.items():
        for field in ("host", "path", "scheme", *PER_LOAD_BALANCER):
            if ingress.get(field) is not None and not isinstance(ingress[field], str):
                raise IngressConflict(f"{where(name, field)}: ingress.{field}: {ingress[field]!r} must be a string", [name])

    groups: dict[str, list[str]] = {}
    result: dict[str, Placement] = {}
    for name, ingress in ingresses.items():
        if ingress.get("dedicated"):
            result[name] = Placement(group="", order=0)
        else:
            groups.setdefault(group_name(config.cluster_name, ingress["scheme"]), []).append(name)
    try:
        ALBS_PER_REGION.check(len(groups) + len(result), "load balancers (one per shared group plus one per dedicated Ingress)")
    except ValueError as error:
        last = sorted(result)[-1]  # over the limit only with dedicated ones: name the last of them
        raise IngressConflict(f"{where(last, 'dedicated')}: ingress.dedicated: {error}", [last]) from None

    for group, members in sorted(groups.items()):
        for field in PER_LOAD_BALANCER:
            if len({repr(ingresses[name].get(field)) for name in members}) == 1:
                continue
            # They disagree: the reference is the member config/blame.py keeps (not new on this branch, else modified
            # earliest), and the first member that differs from it is blamed, in its own values file.
            files = {where(name, field): name for name in members}
            first = files[established([Claimant(file) for file in files]).file]
            name = next(n for n in members if ingresses[n].get(field) != ingresses[first].get(field))
            raise IngressConflict(
                f"{where(name, field)}: ingress.{field}: {ingresses[name].get(field)!r} differs from {ingresses[first].get(field)!r} "
                f"in {where(first, field)}; a load balancer's settings must agree across its group {group} "
                "(or set ingress.dedicated: true)",
                [name, first],
            )
        routes: dict[tuple[str, str], str] = {}
        for name in members:
            ingress = ingresses[name]
            route = (ingress.get("host") or "", ingress["path"])
            taken = next((other for other in routes if routes_overlap(route, other)), None)
            if taken is not None:
                raise IngressConflict(
                    f"{where(name, 'path')}: ingress.path: host {route[0] or '*'} path {route[1]} overlaps {routes[taken]}'s "
                    f"host {taken[0] or '*'} path {taken[1]} ({where(routes[taken], 'path')}) on the shared load balancer {group}; "
                    "a service may route only requests no other service's Ingress matches",
                    [name, routes[taken]],
                )
            routes[route] = name
        try:
            ALB_LISTENER_RULES.check(len(members) * RULES_PER_INGRESS, f"listener rules on the shared load balancer {group}")
            ALB_TARGET_GROUPS.check(len(members) * TARGET_GROUPS_PER_INGRESS, f"target groups on the shared load balancer {group}")
        except ValueError as error:
            raise IngressConflict(
                f"{where(members[-1], 'scheme')}: ingress: {error}; move services to ingress.dedicated: true", [members[-1]]
            ) from None
        # Rules with a host before host-less ones, longer paths first (routes never overlap, so this only keeps it stable).
        ranked = sorted(
            members,
            key=lambda n: (
                not ingresses[n].get("host"),
                ingresses[n].get("host") or "",
                -len(ingresses[n]["path"]),
                ingresses[n]["path"],
                n,
            ),
        )
        for order, name in enumerate(ranked, start=1):
            result[name] = Placement(group=group, order=order)
    return result


def _ingress(values: Mapping[str, Any]) -> Mapping[str, Any]:
    ingress = values.get("ingress")
    return ingress if isinstance(ingress, Mapping) else {}
