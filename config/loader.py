"""Loads an environment's configuration and its services from the repository's files.

Every file is read through `config.user_files` (size cap, UTF-8, no aliases or duplicate keys,
confined to the repository). Every failure is a `ConfigError` whose message is one line: the
file, the field and the rule.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.blame import Claimant, blamed
from config.eks_addons import addon_versions
from config.eks_versions import support_windows
from config.errors import ConfigError
from config.limits import check_apply_limits
from config.model import EnvironmentConfig, S3Backend, ServiceConfig
from config.user_files import REPO_ROOT, display, read_user_yaml

ENVIRONMENTS_DIR = REPO_ROOT / "config" / "environments"
SERVICES_DIR = REPO_ROOT / "services"
SERVICE_FILE = "service.yaml"
BASE_VALUES_FILE = "values.yaml"

__all__ = ["REPO_ROOT", "ConfigError", "load_all_environments", "load_environment", "values_files"]


def environment_names(environments_dir: Path = ENVIRONMENTS_DIR) -> list[str]:
    """One environment per `<name>.yaml`; any other file there would be ignored without a word, so it is refused."""
    names = []
    for path in sorted(environments_dir.iterdir()):
        if path.suffix != ".yaml" or path.name.startswith("."):
            where = display_path(environments_dir)
            raise ConfigError(f"{display_path(path)}: unexpected file; {where}/ holds only <environment>.yaml files")
        names.append(path.stem)
    return names


def read_yaml(path: Path, top: Path) -> dict[str, Any]:
    """A user file's top-level mapping. A symlink may point anywhere in the repository; for a
    directory `top` outside the repository (tests load copies), anywhere inside `top`."""
    absolute = top.absolute()
    return read_user_yaml(path, REPO_ROOT if absolute.is_relative_to(REPO_ROOT) else absolute)


def load_environment(
    name: str,
    *,
    environments_dir: Path = ENVIRONMENTS_DIR,
    services_dir: Path = SERVICES_DIR,
) -> EnvironmentConfig:
    """The validated configuration of environment `name`, with its services and their values."""
    known = environment_names(environments_dir)
    if name not in known:
        raise ConfigError(f"unknown environment {name!r}: choose one of {', '.join(known)} (files in {display_path(environments_dir)}/)")
    path = environments_dir / f"{name}.yaml"
    raw = read_yaml(path, environments_dir)
    if raw.get("name", name) != name:
        raise ConfigError(f"{display_path(path)}: name: must match the file name ({name!r}), got {raw.get('name')!r}")
    raw["name"] = name
    if "services" in raw:  # it would be replaced below without a word
        raise ConfigError(
            f"{display_path(path)}: services: unknown field (an environment's services are the folders of {display_path(services_dir)}/, "
            "with values-<environment>.yaml for what differs here)"
        )
    raw["services"] = {service.name: service for service in load_services(name, services_dir, environments=known)}
    try:
        config = EnvironmentConfig.model_validate(raw)
    except ValidationError as error:
        described = _describe(error)
        # A rule across services (a namespace used twice) is about the service's own file.
        service = re.match(r"services\.([a-z0-9-]+)[.:]", described)
        where = services_dir / service.group(1) / SERVICE_FILE if service else path
        raise ConfigError(f"{display_path(where)}: {described}") from None
    if config.kubernetes_version not in support_windows():
        raise ConfigError(
            f"{display_path(path)}: kubernetes_version: {config.kubernetes_version!r} is not in the EKS release table "
            f"(config/eks_versions.yaml lists {', '.join(support_windows())})"
        )
    addon_versions(config.kubernetes_version)  # every add-on has a reviewed version for it, or one line saying which

    def where(service: str, field: str) -> str:
        if field in ServiceConfig.model_fields:
            return display_path(services_dir / service / SERVICE_FILE)
        return file_setting(services_dir / service, name, field, services_dir)

    check_apply_limits(config, display_path(path), where)
    return config


def load_all_environments(
    *, environments_dir: Path = ENVIRONMENTS_DIR, services_dir: Path = SERVICES_DIR, loaded: Mapping[str, EnvironmentConfig] | None = None
) -> dict[str, EnvironmentConfig]:
    """Every environment, checked against each other: their VPCs must not overlap (they may be peered). `loaded`:
    environments already loaded, not loaded again."""
    configs = {
        name: (loaded or {}).get(name) or load_environment(name, environments_dir=environments_dir, services_dir=services_dir)
        for name in environment_names(environments_dir)
    }
    check_environments_do_not_collide(configs, environments_dir)
    return configs


def check_environments_do_not_collide(configs: Mapping[str, EnvironmentConfig], environments_dir: Path = ENVIRONMENTS_DIR) -> None:
    """Environments may share an account and be peered: disjoint VPC ranges, distinct name suffixes, and data
    locations of their own: no environment's data bucket is another's, or any environment's state bucket, or
    in any environment's own name space (`tap-<suffix>-...`, the buckets the platform creates)."""
    names = sorted(configs)

    def file_of(environment: str) -> str:
        return display_path(environments_dir / (environment + ".yaml"))

    def refuse(environment: str, rule: str) -> ConfigError:
        return ConfigError(f"{file_of(environment)}: {rule}")

    def conflict(first: str, second: str, rule: Callable[[str, str], str]) -> ConfigError:
        """Between two environments: blamed as config/blame.py says (a protected environment keeps what it has)."""
        claimants = {file_of(name): name for name in (first, second)}
        loser, winner, note = blamed(*(Claimant(file, configs[name].protected) for file, name in claimants.items()))
        return refuse(claimants[loser.file], rule(claimants[loser.file], claimants[winner.file]) + note)

    # An emulator environment's VPC never exists in AWS: it constrains no real environment's networks.
    real = [name for name in names if configs[name].emulator is None]
    for index, first in enumerate(real):
        for second in real[index + 1 :]:
            if configs[first].vpc.network.overlaps(configs[second].vpc.network):
                raise conflict(
                    first,
                    second,
                    lambda loser, winner: (
                        f"vpc.cidr: {configs[loser].vpc.cidr} overlaps {winner}'s {configs[winner].vpc.cidr}; "
                        "environments need disjoint VPC ranges"
                    ),
                )
    # What one environment lets in (its internal load balancers' clients, its private API endpoint's sources) is never
    # another environment's VPC: environments may be peered, and each one's pods are its own to admit.
    for name in real:
        config = configs[name]
        admitted = {
            "vpc.internal_clients": config.vpc.internal_clients,
            "endpoint.private_access_cidrs": config.endpoint.private_access_cidrs,
        }
        for field, cidrs in admitted.items():
            for cidr in cidrs:
                other = next((o for o in real if o != name and ipaddress.ip_network(cidr).overlaps(configs[o].vpc.network)), None)
                if other is not None:
                    raise refuse(
                        name,
                        f"{field}: {cidr!r} overlaps {other}'s VPC {configs[other].vpc.cidr}; an environment admits networks "
                        "outside every environment (VPN, office, CI), never another environment's pods",
                    )
    # State locations: `<key_prefix>/<env>/` in a bucket (or `<directory>/<env>/` on disk) may not lie inside another
    # environment's (dev's prefix `eks-platform/prod` puts dev's state under prod's `eks-platform/prod/`).
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            (where, mine), (other_where, theirs) = configs[first].backend.location(first), configs[second].backend.location(second)
            if where == other_where and (mine.startswith(theirs) or theirs.startswith(mine)):
                raise conflict(
                    first,
                    second,
                    lambda loser, winner, where=where: (
                        f"backend: the state of {loser} ({configs[loser].backend.location(loser)[1]}...) lies inside or around "
                        f"{winner}'s ({configs[winner].backend.location(winner)[1]}...) in {where}; each environment's state "
                        "has a location of its own, so no apply, lock or policy of one reaches another's"
                    ),
                )
    suffixes: dict[str, str] = {}
    state_buckets = {config.backend.bucket: name for name, config in configs.items() if isinstance(config.backend, S3Backend)}
    data_buckets: dict[str, str] = {}
    for name in names:
        config = configs[name]
        if suffixes.setdefault(config.suffix, name) != name:
            raise conflict(
                suffixes[config.suffix],
                name,
                lambda _, winner, config=config: (
                    f"suffix: {config.suffix!r} is also {winner}'s; every AWS name is tap-<suffix>-..., "
                    "so environments that may share an account need distinct suffixes"
                ),
            )
        if data_buckets.setdefault(config.data_bucket, name) != name:
            raise conflict(
                data_buckets[config.data_bucket],
                name,
                lambda _, winner, config=config: (
                    f"data_bucket: {config.data_bucket!r} is also {winner}'s; each environment's services "
                    "are granted prefixes of its own data bucket, so two environments sharing one could reach each other's data"
                ),
            )
        if config.data_bucket in state_buckets:
            raise refuse(
                name,
                f"data_bucket: {config.data_bucket!r} is the Terraform state bucket of {state_buckets[config.data_bucket]} "
                "(backend.bucket); a service's S3 prefixes could cover the state",
            )
    for name in names:
        bucket = configs[name].data_bucket
        owner = next((other for other in names if bucket.startswith(f"{configs[other].cluster_name}-")), None)
        if owner is not None:
            raise refuse(
                name,
                f"data_bucket: {bucket!r} is in {owner}'s name space ({configs[owner].cluster_name}-...), where the platform "
                "creates its own buckets (load balancer logs); name the environment's own data bucket",
            )


def load_services(environment: str, services_dir: Path = SERVICES_DIR, *, environments: Sequence[str] | None = None) -> list[ServiceConfig]:
    """Each folder of `services_dir` is a service; its values merge base then environment."""
    known = list(environments) if environments is not None else environment_names()
    services = []
    for folder in service_folders(services_dir, known):
        path = folder / SERVICE_FILE
        raw = read_yaml(path, services_dir)
        raw.setdefault("name", folder.name)
        if raw["name"] != folder.name:
            raise ConfigError(f"{display_path(path)}: name: must match the folder name ({folder.name!r})")
        if "values" in raw:
            raise ConfigError(f"{display_path(path)}: values: unknown field (Helm values belong in values.yaml and values-<env>.yaml)")
        raw["values"] = merged_values(folder, environment, services_dir)
        try:
            services.append(ServiceConfig.model_validate(raw))
        except ValidationError as error:
            raise ConfigError(f"{display_path(path)}: {_describe(error)}") from None
    return services


def expected_file_names(environments: Sequence[str]) -> list[str]:
    return [SERVICE_FILE, BASE_VALUES_FILE, *(f"values-{env}.yaml" for env in environments)]


def service_folders(services_dir: Path, environments: Sequence[str]) -> list[Path]:
    """The service folders, each holding exactly the files the platform reads: a misspelled or
    stray file would be ignored silently, so it is refused, naming the files expected."""
    folders = []
    for entry in sorted(services_dir.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir() or entry.is_symlink():
            raise ConfigError(f"{display(entry)}: only service folders belong in {display(services_dir)}/ (not a file or symlink)")
        expected = expected_file_names(environments)
        for item in sorted(entry.iterdir()):
            if item.name not in expected:
                raise ConfigError(f"{display(item)}: unexpected file; a service folder holds only {', '.join(expected)}")
        if not (entry / SERVICE_FILE).exists() and not (entry / SERVICE_FILE).is_symlink():
            raise ConfigError(f"{display(entry / SERVICE_FILE)}: missing; every folder in {display(services_dir)}/ is a service")
        folders.append(entry)
    return folders


def values_files(service_dir: Path, environment: str) -> list[Path]:
    """The values files of a service for one environment, in the order Helm would merge them."""
    candidates = [service_dir / BASE_VALUES_FILE, service_dir / f"values-{environment}.yaml"]
    return [path for path in candidates if path.exists() or path.is_symlink()]


def merged_values(service_dir: Path, environment: str, services_dir: Path = SERVICES_DIR) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in values_files(service_dir, environment):
        document = read_yaml(path, services_dir)
        refuse_nulls(document, path)
        merged = deep_merge(merged, document)
    return merged


def refuse_nulls(values: Mapping[str, Any], path: Path, field: tuple[str, ...] = ()) -> None:
    """Helm reads `key: null` in a values file as "delete the chart's default", which leaves the
    templates without a value they rely on; a values file sets values or leaves the key out."""
    for key, value in values.items():
        if value is None:
            where = ".".join((*field, key))
            raise ConfigError(
                f"{display_path(path)}: {where}: null is not a value (Helm would delete the chart's default); set it or remove the key"
            )
        if isinstance(value, Mapping):
            refuse_nulls(value, path, (*field, key))


def lookup(values: Mapping[str, Any], field: tuple[str, ...]) -> Any:
    """The value at `field` (a key path) in nested mappings, or None."""
    node: Any = values
    for part in field:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def file_setting(service_dir: Path, environment: str, field: tuple[str, ...] | str, services_dir: Path = SERVICES_DIR) -> str:
    """The values file that sets `field` (or, failing that, its nearest parent) last, environment file
    first; else the base file (where a value the team has not set belongs), even before it exists.
    A key added only in values-dev.yaml is reported against values-dev.yaml."""
    path_of = tuple(field.split(".")) if isinstance(field, str) else field
    files = values_files(service_dir, environment)
    documents = [(path, read_yaml(path, services_dir)) for path in files]
    for depth in range(len(path_of), 0, -1):
        for path, document in reversed(documents):
            if lookup(document, path_of[:depth]) is not None:
                return display_path(path)
    return display_path(files[0] if files else service_dir / BASE_VALUES_FILE)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's rule: maps merge key by key, anything else in `override` replaces."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _describe(error: ValidationError) -> str:
    """The first problem as 'field.path: rule'. Model-level rules name their own field."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = re.sub(r"^(Value|Assertion) error, ", "", first["msg"])
    if first["type"] == "extra_forbidden":
        message = "unknown field (check its spelling against docs/configuration.md)"
    elif first["type"] == "missing":
        message = "required field is missing"
    nested = re.fullmatch(r"([a-z_][a-z0-9_.]*): (.*)", message, flags=re.DOTALL)
    if nested:
        location = f"{location}.{nested.group(1)}" if location else nested.group(1)
        message = nested.group(2)
    described = f"{location}: {message}" if location else message
    return " ".join(described.split("\n"))


def display_path(path: Path) -> str:
    return display(path)
