"""Example values shipped in the environment and values files, found so the synth can say so loudly.

The repository ships documentation values where an account's own belong: RFC 5737 networks
for endpoint CIDRs, AWS's documentation account ids in ARNs, placeholder bucket names. Each
deploys without error and then fails or admits nobody on real AWS, so while one is still in
place the synth says how many in one line, and `make warnings`, `make preflight` and the cdktf
CLI's deploy print a `warning:` line for each, naming the file, the field and the value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from config.loader import SERVICES_DIR, display_path, values_files
from config.model import EnvironmentConfig

# RFC 5737: TEST-NET-1, -2 and -3, reserved for documentation.
DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
# Account ids AWS's documentation uses in examples.
EXAMPLE_ACCOUNTS = ("111122223333", "123456789012", "444455556666", "777788889999", "000000000000")
EXAMPLE_ARN = re.compile(rf"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:({'|'.join(EXAMPLE_ACCOUNTS)}):\S+")
# Domains reserved for documentation (RFC 2606), in alarm subscription endpoints (email, https).
EXAMPLE_DOMAIN = re.compile(r"(@|://)([A-Za-z0-9-]+\.)*example\.(com|net|org)([:/]|$)")
# The bucket names this repository ships in data_bucket.
EXAMPLE_DATA_BUCKETS = frozenset({"tap-data-dev", "tap-data-staging", "tap-data-prod"})


def is_documentation_cidr(cidr: str) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return any(network.version == d.version and network.subnet_of(d) for d in DOCUMENTATION_NETWORKS)


def example_values(config: EnvironmentConfig) -> Iterator[tuple[str, str, str]]:
    """(file, field, value) for every example value still in place in the environment and its services' values."""
    env_file = f"config/environments/{config.name}.yaml"
    for field in ("public_cidrs", "private_access_cidrs"):
        for cidr in getattr(config.endpoint, field):
            if is_documentation_cidr(cidr):
                yield env_file, f"endpoint.{field}", f"{cidr} (an RFC 5737 documentation network)"
    for cidr in config.vpc.internal_clients:
        if is_documentation_cidr(cidr):
            yield env_file, "vpc.internal_clients", f"{cidr} (an RFC 5737 documentation network)"
    if config.data_bucket in EXAMPLE_DATA_BUCKETS:
        yield env_file, "data_bucket", f"{config.data_bucket} (the name this repository ships)"
    principals = {"cluster_admin_arns": config.cluster_admin_arns, "cluster_viewer_arns": config.cluster_viewer_arns}
    principals.update({f"service_team_arns.{s}": arns for s, arns in config.service_team_arns.items()})
    for field, arns in principals.items():
        for arn in arns:
            if EXAMPLE_ARN.fullmatch(arn):
                yield env_file, field, f"{arn} (an example account)"
    for arn in config.alarms.topic_arns:
        if EXAMPLE_ARN.fullmatch(arn):
            yield env_file, "alarms.topic_arns", f"{arn} (an example account)"
    for name, subscription in config.alarms.subscriptions.items():
        endpoint = subscription.endpoint
        if EXAMPLE_DOMAIN.search(endpoint) or EXAMPLE_ARN.fullmatch(endpoint):
            yield env_file, f"alarms.subscriptions.{name}.endpoint", f"{endpoint} (an example address: it pages nobody)"
    for name, service in config.services.items():
        for field, value in _strings(service.values):
            if EXAMPLE_ARN.search(value):
                yield _values_file_setting(name, config.name, field, value), field, f"{value} (an example account)"


def example_warnings(config: EnvironmentConfig) -> list[str]:
    """One line per example value; none for an emulator environment, which never reaches AWS."""
    if config.emulator is not None:
        return []
    return [
        f"{file}: {field}: EXAMPLE VALUE still in place: {value}; replace it before deploying to AWS (docs/platform-team.md)"
        for file, field, value in example_values(config)
    ]


def silent_alarms_warning(config: EnvironmentConfig) -> list[str]:
    """An environment whose alarms reach nobody says so at every synth: allowed outside protected environments
    (config/environment_rules.py refuses it there), but nobody should learn it from an outage."""
    if config.emulator is not None or config.alarms.notifies:
        return []
    return [
        f"config/environments/{config.name}.yaml: alarms: the alarms of {config.name} notify nobody (no topic_arns, no "
        "created topic with subscriptions); set one to be paged (docs/operations.md)"
    ]


def synth_warnings(config: EnvironmentConfig, *, in_full: bool) -> list[str]:
    """What a synth says before a real deploy: every line where a real deploy starts (`in_full`: the cdktf CLI's
    deploy, `make preflight`, `make warnings`), else one line with the command that lists them, so a synth's result
    is not buried under a dozen warnings; that line also says when the alarms notify nobody."""
    examples, silent_alarms = example_warnings(config), silent_alarms_warning(config)
    lines = [*examples, *silent_alarms]
    if in_full or len(lines) <= 1:
        return lines
    count = f"{len(examples)} example value{'s' if len(examples) > 1 else ''} still in place in {config.name}"
    silent = ", and its alarms notify nobody" if silent_alarms else ""
    return [f"{count}{silent} (replace them before deploying to AWS): `make warnings ENV={config.name}` lists them"]


def _values_file_setting(service: str, environment: str, field: str, value: str) -> str:
    """The values file that sets `field` to `value` last (the environment's file wins)."""
    files = values_files(SERVICES_DIR / service, environment)
    for path in reversed(files):
        if any(f == field and v == value for f, v in _strings(yaml.safe_load(path.read_text()) or {})):
            return display_path(path)
    return display_path(SERVICES_DIR / service)


def _strings(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _strings(value, f"{path}.")
        elif isinstance(value, str):
            yield path, value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield f"{path}[{index}]", item
                elif isinstance(item, Mapping):
                    yield from _strings(item, f"{path}[{index}].")


# AWS's default quota of Elastic IP addresses per Region (per account): "EC2-VPC Elastic IPs", 5.
DEFAULT_ELASTIC_IP_QUOTA = 5


def elastic_ip_warnings(configs: Mapping[str, EnvironmentConfig], *, involving: str | None = None) -> list[str]:
    """A sentence per Region whose environments' NAT gateways together need more Elastic IPs than the default quota
    (only the Region of environment `involving`, when given). Emulator environments hold no real addresses."""
    by_region: dict[str, dict[str, int]] = {}
    for name, config in sorted(configs.items()):
        if config.emulator is None:
            by_region.setdefault(config.region, {})[name] = config.nat_elastic_ips
    return [
        f"{region}: the NAT gateways of {', '.join(f'{n} ({c})' for n, c in needs.items())} need {sum(needs.values())} "
        f"Elastic IPs together; the default quota is {DEFAULT_ELASTIC_IP_QUOTA} per Region and account, so if they share an "
        f"account, request an increase of 'EC2-VPC Elastic IPs' (Service Quotas) before applying them all (docs/platform-team.md)"
        for region, needs in by_region.items()
        if sum(needs.values()) > DEFAULT_ELASTIC_IP_QUOTA and (involving is None or involving in needs)
    ]
