"""Limits AWS enforces at apply on what the services together build, checked at synth (config/quotas.py).

Each check counts, for the validated configuration, what eks_platform will create: the rules of each
security group (eks_platform/service_security_groups.py, eks_platform/cluster.py) and the size of each
service role's inline policy (eks_platform/service_policies.py). A refusal names the file and field
whose value went over: the values file setting the port, the service file adding the reach.
All counts are one pass over the services: linear in their number.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import yaml

from config.errors import ConfigError
from config.model import EnvironmentConfig, Permissions
from config.quotas import (
    EKS_CLUSTER_SECURITY_GROUP_OWN_RULES,
    IAM_ROLE_INLINE_POLICY_CHARACTERS,
    SECURITY_GROUP_INBOUND_RULES,
    SECURITY_GROUP_OUTBOUND_RULES,
)
from config.user_files import REPO_ROOT

CHART_DEFAULTS = REPO_ROOT / "charts" / "service" / "values.yaml"
# Platform rules on the EKS cluster security group besides the private endpoint's sources: CoreDNS over
# UDP and TCP and the API server on 443, each from the pods group (eks_platform/service_security_groups.py).
PLATFORM_CLUSTER_GROUP_INBOUND = 3

# The inline policy's size, bounded from above without whitespace (as IAM counts it): the longest
# partition (aws-us-gov) and a 12-digit account in every ARN.
_ARN_PREFIX = len("arn:aws-us-gov:") + len(":") + len(":123456789012:")
_DOCUMENT = len('{"Version":"2012-10-17","Statement":[]}')
# A statement's Sid, Effect and its actions (the longest list, DynamoDB's nine, is 268 characters).
_STATEMENT = 420
# The secret and data key statements every role has (with the secret's ARN, and the kms:ViaService
# and kms:EncryptionContext:SecretARN conditions, the second naming the secret's ARN again).
_OWN_SECRET = 2 * _STATEMENT + 3 * (_ARN_PREFIX + 64) + 280
# ARNs each declared name becomes: (service, resource forms); `{}` is the name with the environment suffix.
_RESOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "dynamodb_tables": ("dynamodb", ("table/{}", "table/{}/index/*")),
    "sqs_queues": ("sqs", ("{}",)),
    "sns_topics": ("sns", ("{}",)),
    "sagemaker_endpoints": ("sagemaker", ("endpoint/{}",)),
    "athena_workgroups": ("athena", ("workgroup/{}",)),
    "glue_databases": ("glue", ("catalog", "database/{}", "table/{}/*")),
}


def inline_policy_characters(permissions: Permissions, *, region: str, suffix: str, data_bucket: str) -> int:
    """An upper bound of the service role's inline policy size in IAM's count (no whitespace)."""
    size = _DOCUMENT + _OWN_SECRET
    for kind, (service, forms) in _RESOURCES.items():
        names = getattr(permissions, kind)
        if names:
            size += _STATEMENT
        for name in names:
            for form in forms:
                size += _ARN_PREFIX + len(service) + len(region) + len(form.format(f"{name}-{suffix}")) + 3
    if permissions.s3_prefixes:
        size += 2 * _STATEMENT + 120  # ListBucket (with its s3:prefix condition) and the objects' statement
        bucket = len("arn:aws-us-gov:s3:::") + len(data_bucket)
        size += sum((len(p) + 4) + (bucket + len(p) + 5) for p in permissions.s3_prefixes)
    return size


@functools.cache
def _chart_defaults() -> dict:
    return yaml.load(CHART_DEFAULTS.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def check_apply_limits(config: EnvironmentConfig, environment_file: Path, where: Callable[[str, str], str]) -> None:
    """Raises ConfigError when a security group's rules or a role's inline policy would exceed AWS's limits.
    `where(service, field)` names the file that sets a service's field (a values or service file)."""
    from eks_platform.service_network import ServiceNetwork  # no provider bindings: safe before the synth forks

    defaults = _chart_defaults()
    networks = {}
    for name, service in sorted(config.services.items()):
        # What ServiceNetwork.of reads, over chart defaults parsed once (not once per service: 100 services, 0.07 s each).
        ingress = {**(defaults.get("ingress") or {}), **(service.values.get("ingress") or {})}
        port = service.values.get("containerPort", defaults["containerPort"])
        scheme = str(ingress.get("scheme", "internal")) if ingress.get("enabled") else None
        networks[name] = ServiceNetwork(container_port=port, scheme=scheme, reaches=service.reaches)
    # Each service's group: inbound from its load balancer and from every service that reaches it; outbound to each it reaches.
    reached_by: dict[str, list[str]] = {}
    for name, network in networks.items():
        for target in network.reaches:
            reached_by.setdefault(target, []).append(name)
    for name, network in networks.items():
        reachers = reached_by.get(name, [])
        inbound = int(network.scheme is not None) + len(reachers)
        if inbound > SECURITY_GROUP_INBOUND_RULES.limit:
            last = reachers[-1]  # the reach that goes over is blamed, not the service reached
            raise ConfigError(
                f"{where(last, 'reaches')}: reaches: {name!r} would have {inbound} inbound rules on its security group (one per "
                f"service reaching it, one for its load balancer), more than {SECURITY_GROUP_INBOUND_RULES.limit} "
                f"({SECURITY_GROUP_INBOUND_RULES.source})"
            )
        if len(network.reaches) > SECURITY_GROUP_OUTBOUND_RULES.limit:
            raise ConfigError(
                f"{where(name, 'reaches')}: reaches: {len(network.reaches)} outbound rules on {name}'s security group exceed "
                f"{SECURITY_GROUP_OUTBOUND_RULES.limit} ({SECURITY_GROUP_OUTBOUND_RULES.source})"
            )
    # The load balancers' groups: one outbound rule per distinct container port; the service adding the 61st is named.
    ports: dict[int, str] = {}
    for name, network in networks.items():
        ports.setdefault(network.container_port, name)
        if len(ports) > SECURITY_GROUP_OUTBOUND_RULES.limit:
            raise ConfigError(
                f"{where(name, 'containerPort')}: containerPort: {len(ports)} distinct container ports need as many outbound "
                f"rules on each load balancer security group, more than {SECURITY_GROUP_OUTBOUND_RULES.limit} "
                f"({SECURITY_GROUP_OUTBOUND_RULES.source}); use a port another service uses"
            )
    endpoint = config.endpoint
    sources = len(endpoint.private_access_cidrs) + len(endpoint.private_access_security_groups)
    budget = SECURITY_GROUP_INBOUND_RULES.limit - PLATFORM_CLUSTER_GROUP_INBOUND - EKS_CLUSTER_SECURITY_GROUP_OWN_RULES
    if sources > budget:
        raise ConfigError(
            f"{environment_file}: endpoint.private_access_cidrs: {sources} private endpoint sources (CIDRs and security groups) "
            f"are one inbound rule each on the cluster security group, which holds {EKS_CLUSTER_SECURITY_GROUP_OWN_RULES} of its own "
            f"and {PLATFORM_CLUSTER_GROUP_INBOUND} of the platform's: at most {budget} ({SECURITY_GROUP_INBOUND_RULES.source})"
        )
    for name, service in config.services.items():
        size = inline_policy_characters(service.permissions, region=config.region, suffix=config.suffix, data_bucket=config.data_bucket)
        if size > IAM_ROLE_INLINE_POLICY_CHARACTERS.limit:
            raise ConfigError(
                f"{where(name, 'permissions')}: permissions: the role's inline policy would be up to {size} characters, over "
                f"{IAM_ROLE_INLINE_POLICY_CHARACTERS.limit} ({IAM_ROLE_INLINE_POLICY_CHARACTERS.source}); declare fewer resources "
                "(a prefix instead of many)"
            )
