"""The shared service chart: the values a release gets, checked with the real Helm engine at synth.

A service team's values are merged over the chart defaults, then the platform injects what
it owns (image repository, service account). Before any Terraform exists the result is
validated against values.schema.json and rendered once, so schema violations and the
chart's cross-field rules fail at synth, naming the values file and the field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

from config.loader import REPO_ROOT, SERVICES_DIR, ConfigError, deep_merge, display_path, values_files
from config.model import EnvironmentConfig, ServiceConfig

CHART_DIR = REPO_ROOT / "charts" / "service"
# Stands in for the ECR URL (known only after the platform is applied) while checking values.
PLACEHOLDER_REGISTRY = "000000000000.dkr.ecr.{region}.amazonaws.com"


# Known only once the platform is applied: passed to Helm as a `set`, not inside the values document.
IMAGE_REPOSITORY = "image.repository"
# Platform-owned value: a digest of everything in charts/service. The Helm provider diffs only the
# chart version and the values, so without it a template edit would never reach a cluster.
CHART_DIGEST = "chartDigest"


def chart_digest(chart_dir: Path = CHART_DIR) -> str:
    """SHA-256 over every file of the chart (relative path, size and bytes), in path order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in chart_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        content = path.read_bytes()
        digest.update(f"{path.relative_to(chart_dir).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def static_values(service: ServiceConfig) -> dict[str, Any]:
    """The service team's values with what the platform fixes at synth laid over them."""
    return deep_merge(service.values, {"nameOverride": service.name, "serviceAccount": {"name": service.service_account}})


def release_values(service: ServiceConfig, repository_url: str) -> dict[str, Any]:
    """Everything the release is installed with."""
    return deep_merge(static_values(service), {"image": {"repository": repository_url}, CHART_DIGEST: chart_digest()})


def render(values: Mapping[str, Any], *, release: str, namespace: str) -> dict[str, str]:
    """Manifests by template path, rendered offline by the Helm engine."""
    with helm.Chart.load(str(CHART_DIR)) as chart:
        return chart.render(dict(values), name=release, namespace=namespace)


def check_service_values(
    service: ServiceConfig, *, environment: str, region: str, repository: str, services_dir: Path = SERVICES_DIR
) -> dict[str, str]:
    """Render `service` for `environment` or raise ConfigError naming the values file and field."""
    url = f"{PLACEHOLDER_REGISTRY.format(region=region)}/{repository}"
    try:
        return render(release_values(service, url), release=service.name, namespace=service.namespace)
    except helm.HelmError as error:
        field, rule = describe_helm_error(str(error))
        where = blame(services_dir / service.name, environment, field)
        named = field and not rule.startswith(field)
        raise ConfigError(f"{where}: {field}: {rule}" if named else f"{where}: {rule}") from None


def check_all_service_values(config: EnvironmentConfig, services_dir: Path = SERVICES_DIR) -> None:
    for service in config.services.values():
        check_service_values(
            service,
            environment=config.name,
            region=config.region,
            repository=f"{config.repository_prefix}/{service.repository}",
            services_dir=services_dir,
        )


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


def blame(service_dir: Path, environment: str, field: str) -> str:
    """The values file that sets `field` last (environment file first), else the base file."""
    files = values_files(service_dir, environment)
    for path in reversed(files):
        data: Any = yaml.safe_load(path.read_text()) or {}
        for part in field.split(".") if field else []:
            data = data.get(part) if isinstance(data, dict) else None
        if field and data is not None:
            return display_path(path)
    return display_path(files[0] if files else service_dir)


def _schema_description(field: str) -> str | None:
    with helm.Chart.load(str(CHART_DIR)) as chart:
        node: Any = chart.schema or {}
    for part in field.split("."):
        node = (node.get("properties") or {}).get(part, {})
    description = node.get("description")
    return f"rejected by the chart schema: {description}" if description else None
