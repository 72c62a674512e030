"""The shared service chart: the values a release gets, checked with the real Helm engine at synth.

A service team's values are merged over the chart defaults, then the platform injects what
it owns (image repository, service account). Before any Terraform exists the result is
validated against values.schema.json and rendered once, so schema violations and the
chart's cross-field rules fail at synth, naming the values file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python as helm

from config.loader import REPO_ROOT, SERVICES_DIR, ConfigError, deep_merge
from config.model import EnvironmentConfig, ServiceConfig
from workloads.ingress_groups import Placement, placements
from workloads.ingress_groups import file_setting as blame

CHART_DIR = REPO_ROOT / "charts" / "service"
# Stands in for the ECR URL (known only after the platform is applied) while checking values.
PLACEHOLDER_REGISTRY = "000000000000.dkr.ecr.{region}.amazonaws.com"


# Known only once the platform is applied: passed to Helm as a `set`, not inside the values document.
IMAGE_REPOSITORY = "image.repository"


def static_values(service: ServiceConfig, placement: Placement | None = None) -> dict[str, Any]:
    """The service team's values with what the platform fixes at synth laid over them."""
    fixed = {"nameOverride": service.name, "serviceAccount": {"name": service.service_account}}
    return deep_merge(deep_merge(service.values, fixed), placement.values() if placement else {})


def release_values(service: ServiceConfig, repository_url: str, placement: Placement | None = None) -> dict[str, Any]:
    """Everything the release is installed with."""
    return deep_merge(static_values(service, placement), {"image": {"repository": repository_url}})


def render(values: Mapping[str, Any], *, release: str, namespace: str) -> dict[str, str]:
    """Manifests by template path, rendered offline by the Helm engine."""
    with helm.Chart.load(str(CHART_DIR)) as chart:
        return chart.render(dict(values), name=release, namespace=namespace)


def check_service_values(
    service: ServiceConfig,
    *,
    environment: str,
    region: str,
    repository: str,
    services_dir: Path = SERVICES_DIR,
    placement: Placement | None = None,
) -> dict[str, str]:
    """Render `service` for `environment` or raise ConfigError naming the values file and field."""
    url = f"{PLACEHOLDER_REGISTRY.format(region=region)}/{repository}"
    try:
        return render(release_values(service, url, placement), release=service.name, namespace=service.namespace)
    except helm.HelmError as error:
        field, rule = describe_helm_error(str(error))
        where = blame(services_dir / service.name, environment, field)
        named = field and not rule.startswith(field)
        raise ConfigError(f"{where}: {field}: {rule}" if named else f"{where}: {rule}") from None


def check_all_service_values(config: EnvironmentConfig, services_dir: Path = SERVICES_DIR) -> dict[str, Placement]:
    """Every service's values rendered, after checking their Ingresses across services; returns the placements."""
    placed = placements(config, services_dir)
    for name, service in config.services.items():
        check_service_values(
            service,
            environment=config.name,
            region=config.region,
            repository=f"{config.repository_prefix}/{service.repository}",
            services_dir=services_dir,
            placement=placed.get(name),
        )
    return placed


def describe_helm_error(message: str) -> tuple[str, str]:
    """(dotted field, rule) from a Helm schema or template failure."""
    schema_lines = re.findall(r"- at '([^']*)': (.+)", message)
    if schema_lines:
        pointer, rule = schema_lines[-1]
        field = pointer.strip("/").replace("/", ".")
        if rule == "'not' failed" or rule.startswith("validation failed"):
            rule = _schema_description(field) or rule
        if rule.startswith("additional properties"):
            rule = f"{rule} (unknown field; see charts/service/values.schema.json)"
        return field, rule
    failed = re.search(r"execution error at \([^)]*\): (.+)", message)
    if failed:
        rule = failed.group(1).strip()
        named = re.match(r"([A-Za-z][\w.]*)[ :]", rule)
        return (named.group(1) if named and "." in named.group(1) else ""), rule
    return "", message.strip().splitlines()[0]


def _schema_description(field: str) -> str | None:
    with helm.Chart.load(str(CHART_DIR)) as chart:
        node: Any = chart.schema or {}
    for part in field.split("."):
        node = (node.get("properties") or {}).get(part, {})
    description = node.get("description")
    return f"rejected by the chart schema: {description}" if description else None
