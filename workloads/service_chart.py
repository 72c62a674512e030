"""The shared service chart: the values a release gets, checked with the real Helm engine at synth.

A service team's values are merged over the chart defaults, then the platform injects what
it owns (image repository, service account). Before any Terraform exists the result is
validated against values.schema.json and rendered once, so schema violations and the
chart's cross-field rules fail at synth, naming the values file and the field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import helm_python as helm

from config.loader import REPO_ROOT, SERVICES_DIR, ConfigError, deep_merge, file_setting, lookup
from config.model import EnvironmentConfig, ServiceConfig
from config.reserved import PLATFORM_OWNED_VALUES
from config.rules import partition_of
from workloads.ingress_groups import Placement, placements
from workloads.rollout import rollout_plan

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


def static_values(service: ServiceConfig, placement: Placement | None = None) -> dict[str, Any]:
    """The service team's values with what the platform fixes at synth laid over them."""
    fixed = {
        "nameOverride": service.name,
        "serviceAccount": {"name": service.service_account},
        # The release's Helm timeout, so the chart can check that the largest rollout fits it.
        "rollout": {"timeoutSeconds": rollout_plan(service.values).timeout_seconds},
    }
    return deep_merge(deep_merge(service.values, fixed), placement.values() if placement else {})


def release_values(service: ServiceConfig, repository_url: str, placement: Placement | None = None) -> dict[str, Any]:
    """Everything the release is installed with."""
    return deep_merge(static_values(service, placement), {"image": {"repository": repository_url}, CHART_DIGEST: chart_digest()})


def render(values: Mapping[str, Any], *, release: str, namespace: str, chart_dir: Path = CHART_DIR) -> dict[str, str]:
    """A chart's manifests by template path (the service chart unless told), rendered offline by the Helm engine."""
    with helm.Chart.load(str(chart_dir)) as chart:
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
    service_dir = services_dir / service.name
    check_platform_owned_values(service, service_dir, environment, services_dir)
    check_regional_arns(service, service_dir, environment, region, services_dir)
    try:
        return render(release_values(service, url, placement), release=service.name, namespace=service.namespace)
    except helm.HelmError as error:
        values = release_values(service, url)
        path, rule = describe_helm_error(str(error), values)
        where = file_setting(service_dir, environment, path, services_dir)
        field = ".".join(path).encode("unicode_escape").decode()  # a key with a newline stays on one line
        named = field and not rule.startswith(field)
        rule = " ".join(rule.split())  # one line, whatever the values contained
        if path and lookup(service.values, path) is None:  # the chart's own default failed: the team must set it
            rule = f"not set in any values file, and the chart's default is refused ({rule})"
        raise ConfigError(f"{where}: {field}: {rule}" if named else f"{where}: {rule}") from None


def check_platform_owned_values(service: ServiceConfig, service_dir: Path, environment: str, services_dir: Path = SERVICES_DIR) -> None:
    """The platform sets these itself; a values file setting them would be overridden without a word."""
    for field in PLATFORM_OWNED_VALUES:
        if lookup(service.values, tuple(field.split("."))) is not None:
            where = file_setting(service_dir, environment, tuple(field.split(".")), services_dir)
            owned = ", ".join(PLATFORM_OWNED_VALUES)
            raise ConfigError(f"{where}: {field}: is set by the platform and may not be set in a values file (platform-owned: {owned})")


# Values that name a regional AWS resource, which must be in the environment's region.
REGIONAL_ARNS = ("ingress.certificateArn", "ingress.wafAclArn")


def check_regional_arns(
    service: ServiceConfig, service_dir: Path, environment: str, region: str, services_dir: Path = SERVICES_DIR
) -> None:
    """An ALB can use only a certificate and web ACL of its own region: AWS refuses others at apply."""
    for field in REGIONAL_ARNS:
        arn = lookup(service.values, tuple(field.split(".")))
        if not isinstance(arn, str) or arn.count(":") < 5:
            continue
        where = file_setting(service_dir, environment, tuple(field.split(".")), services_dir)
        if arn.split(":")[3] != region:
            raise ConfigError(
                f"{where}: {field}: {arn.split(':')[3]!r} is not the environment's region {region!r} (an ALB uses only its own region's)"
            )
        if arn.split(":")[1] != partition_of(region):
            raise ConfigError(
                f"{where}: {field}: partition {arn.split(':')[1]!r} is not {partition_of(region)!r}, the partition of {region}"
            )


def check_configured_service(
    config: EnvironmentConfig, name: str, services_dir: Path = SERVICES_DIR, placement: Placement | None = None
) -> dict[str, str]:
    """Service `name` of `config` rendered as the synth renders it (the environment's region and repository prefix,
    the registry a placeholder), or ConfigError naming the values file and field."""
    service = config.services[name]
    return check_service_values(
        service,
        environment=config.name,
        region=config.region,
        repository=f"{config.repository_prefix}/{service.repository}",
        services_dir=services_dir,
        placement=placement,
    )


class CheckedServices(NamedTuple):
    manifests: dict[str, dict[str, str]]  # service -> its manifests by template path
    placements: dict[str, Placement]  # every service's place on the shared load balancers


def check_services(config: EnvironmentConfig, names: Iterable[str], services_dir: Path = SERVICES_DIR) -> CheckedServices:
    """The named services' values rendered, then every service's Ingress checked across services.

    A service's own mistake is reported before a disagreement between services: it is the more
    precise message, and fixing it may settle the disagreement too."""
    try:
        placed, conflict = placements(config, services_dir), None
    except ConfigError as error:
        placed, conflict = {}, error
    manifests = {name: check_configured_service(config, name, services_dir, placed.get(name)) for name in names}
    if conflict is not None:
        raise conflict
    return CheckedServices(manifests, placed)


def check_all_service_values(config: EnvironmentConfig, services_dir: Path = SERVICES_DIR) -> dict[str, Placement]:
    """Every service's values rendered, then their Ingresses checked across services; returns the placements."""
    return check_services(config, config.services, services_dir).placements


def describe_helm_error(message: str, values: Mapping[str, Any] | None = None) -> tuple[tuple[str, ...], str]:
    """(field path, rule) from a Helm schema or template failure."""
    schema_lines = re.findall(r"- at '([^']*)': (.+)", message)
    if schema_lines:
        pointer, rule = schema_lines[-1]
        field = tuple(part for part in pointer.strip("/").split("/") if part)
        invalid_name = re.fullmatch(r"invalid propertyName '(.*)'", schema_lines[0][1])
        if invalid_name:  # the schema library reports no pointer for a bad key: find the map holding it
            field = _path_of_key(values or {}, invalid_name.group(1)) or field
            parent = _schema_description(field[:-1])
            return field, f"invalid key {invalid_name.group(1)!r}; {parent or rule}"
        if rule == "'not' failed" or rule.startswith("validation failed"):
            rule = _schema_description(field) or rule
        if rule.startswith("additional properties"):
            # Name the unknown key itself, so blame finds the file that added it: from the values and the schema,
            # not parsed back out of the message (a key with quotes in it would come out garbled).
            unknown = _unknown_keys(values or {}, field)
            rule = f"{rule} (unknown field; see charts/service/values.schema.json)"
            if unknown:
                return (*field, unknown[0]), rule
        return field, rule
    failed = re.search(r"execution error at \([^)]*\): (.+)", message)
    if failed:
        rule = failed.group(1).strip()
        named = re.match(r"([A-Za-z][\w.]*)[ :]", rule)
        return (tuple(named.group(1).split(".")) if named and "." in named.group(1) else ()), rule
    return (), message.strip().splitlines()[0]


def _path_of_key(values: Mapping[str, Any], quoted: str, prefix: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first key whose Go-quoted form is `quoted` ('A\\nB' for a key with a newline)."""
    for key, value in values.items():
        if str(key) == quoted or str(key).encode("unicode_escape").decode() == quoted:
            return (*prefix, str(key))
        if isinstance(value, Mapping):
            found = _path_of_key(value, quoted, (*prefix, str(key)))
            if found:
                return found
    return None


def _unknown_keys(values: Mapping[str, Any], field: tuple[str, ...]) -> list[str]:
    """The keys of the mapping at `field` that the chart schema does not list there."""
    with helm.Chart.load(str(CHART_DIR)) as chart:
        node: Any = chart.schema or {}
    mapping: Any = values
    for part in field:
        node = (node.get("properties") or {}).get(part, {})
        mapping = mapping.get(part) if isinstance(mapping, Mapping) else None
    known = node.get("properties") or {}
    return [str(key) for key in mapping if key not in known] if isinstance(mapping, Mapping) else []


def _schema_description(field: tuple[str, ...]) -> str | None:
    with helm.Chart.load(str(CHART_DIR)) as chart:
        node: Any = chart.schema or {}
    for part in field:
        node = (node.get("properties") or {}).get(part, {})
    description = node.get("description")
    return f"rejected by the chart schema: {description}" if description else None
