"""The rules of an environment that span several of its fields, applied in order once it is parsed.

`EnvironmentConfig` (config/environment.py) holds the fields and their own rules; each function
here raises ValueError with the field path and the rule, which the loader prints as one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.access import principal_key, principal_name
from config.blame import blamed_service
from config.claims import check_claims
from config.emulator import EmulatorFeature
from config.fargate import PLATFORM_NAMESPACES, derived_profiles
from config.network import PROTECTED_MAX_ADDRESSES, NatStrategy
from config.quotas import (
    ECR_REPOSITORIES_PER_REGION,
    FARGATE_PROFILES_PER_CLUSTER,
    IAM_ROLES_PER_ACCOUNT,
    LOG_GROUPS_PER_REGION,
    SECRETS_PER_REGION,
)
from config.rules import (
    ECR_REPOSITORY_NAME_MAX,
    IAM_ROLE_NAME_MAX,
    PROTECTED_EGRESS_MIN_PREFIX,
    PROTECTED_EGRESS_RULES_MAX,
    PROTECTED_LOG_RETENTION_DAYS,
    partition_of,
)

if TYPE_CHECKING:
    from config.environment import EnvironmentConfig

# The one environment whose provider points at the AWS emulator (`make local`).
EMULATED_ENVIRONMENT = "local"


def protected_environment_rules(config: EnvironmentConfig) -> None:
    if not config.protected:
        return
    if config.vpc.nat is not NatStrategy.PER_AZ:
        raise ValueError("vpc.nat: a protected environment needs one NAT gateway per AZ ('per_az')")
    if config.endpoint.public_addresses > PROTECTED_MAX_ADDRESSES:
        raise ValueError(
            f"endpoint.public_cidrs: a protected environment opens the API endpoint to at most {PROTECTED_MAX_ADDRESSES} addresses "
            f"in total; this list opens {config.endpoint.public_addresses}"
        )
    if config.log_retention_days < PROTECTED_LOG_RETENTION_DAYS:
        raise ValueError(
            f"log_retention_days: a protected environment keeps logs at least {PROTECTED_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1)"
        )
    if config.ecr.force_delete:
        raise ValueError("ecr.force_delete: a protected environment keeps its images when a repository is destroyed")
    if config.secret_recovery_window_days == 0:
        raise ValueError("secret_recovery_window_days: a protected environment keeps deleted secrets recoverable (7 to 30)")
    if config.emulator is not None:
        raise ValueError("emulator: a protected environment deploys to real AWS")
    if not config.alarms.notifies:
        raise ValueError(
            "alarms: a protected environment's alarms must reach someone: list topic_arns, "
            "or set create_topic: true with at least one entry in subscriptions"
        )


def access_log_lock_fits(config: EnvironmentConfig) -> None:
    """Object Lock only where the bucket is kept (elsewhere a destroy empties and deletes it), and no
    longer than the logs live (the lifecycle cannot expire a locked version)."""
    days = config.access_logs.object_lock_days
    if days is None:
        return
    if not config.protected:
        raise ValueError("access_logs.object_lock_days: Object Lock is for protected environments (elsewhere a destroy deletes the bucket)")
    if days > config.log_retention_days:
        raise ValueError(
            f"access_logs.object_lock_days: {days} is longer than log_retention_days ({config.log_retention_days}), "
            "after which the logs expire"
        )


def service_egress_leaves_the_vpc(config: EnvironmentConfig) -> None:
    """A service's `egress` names networks outside the VPC (inside it, `reaches` decides), and a
    protected environment allows only a few narrow ones."""
    for name, service in config.services.items():
        for rule in service.egress:
            if rule.network.overlaps(config.vpc.network):
                raise ValueError(
                    f"services.{name}.egress: {rule.cidr!r} overlaps the VPC {config.vpc.cidr}; "
                    "other services are reached through `reaches`, AWS APIs through VPC endpoints"
                )
            if config.protected and rule.network.prefixlen < PROTECTED_EGRESS_MIN_PREFIX:
                raise ValueError(
                    f"services.{name}.egress: {rule.cidr!r} is wider than a /{PROTECTED_EGRESS_MIN_PREFIX}, "
                    "the widest a protected environment allows (PCI DSS 1.3.2)"
                )
        if config.protected and len(service.egress_rules) > PROTECTED_EGRESS_RULES_MAX:
            raise ValueError(
                f"services.{name}.egress: {len(service.egress_rules)} CIDR and port pairs, at most "
                f"{PROTECTED_EGRESS_RULES_MAX} in a protected environment (PCI DSS 1.3.2)"
            )


def fits_its_region(config: EnvironmentConfig) -> None:
    config.vpc.check_zones_in(config.region)
    partition = partition_of(config.region)
    principals = {"cluster_admin_arns": config.cluster_admin_arns, "cluster_viewer_arns": config.cluster_viewer_arns}
    principals.update({f"service_team_arns.{name}": arns for name, arns in config.service_team_arns.items()})
    for field, arns in principals.items():
        for arn in arns:
            if arn.split(":")[1] != partition:
                raise ValueError(f"{field}: {arn!r} is not in {partition!r}, the partition of {config.region}")
    for arn in config.alarms.topic_arns:
        if arn.split(":")[1] != partition or arn.split(":")[3] != config.region:
            raise ValueError(
                f"alarms.topic_arns: {arn!r} is not in {config.region} ({partition}); CloudWatch notifies topics of its own region"
            )
    if config.emulator is not None and config.name != EMULATED_ENVIRONMENT:
        raise ValueError(f"emulator: only the {EMULATED_ENVIRONMENT!r} environment deploys to the emulator; remove this block")


def cluster_access_is_explicit(config: EnvironmentConfig) -> None:
    """One access entry per principal, named by the principal: nobody is admin by running the apply."""
    if config.omits(EmulatorFeature.EKS_ACCESS_API):
        return
    if not config.cluster_admin_arns:
        raise ValueError(
            "cluster_admin_arns: list at least one IAM role or user: the principal that applies the workloads "
            "stack and the operators (nobody is made cluster admin implicitly)"
        )
    keys: dict[str, str] = {}
    # Each principal under the field (tier) that lists it, in tier order: a collision is reported under the later one.
    tiers = [("cluster_admin_arns", arn) for arn in config.cluster_admin_arns]
    tiers += [("cluster_viewer_arns", arn) for arn in config.cluster_viewer_arns]
    tiers += [(f"service_team_arns.{service}", arn) for service, arns in config.service_team_arns.items() for arn in arns]
    # One tier per principal, compared without case (IAM names are unique without case): a second access entry
    # for one principal fails at apply (ResourceInUseException). A team may edit several services' namespaces.
    # A team in several services' lists is one principal only when spelt alike: the platform merges those lists by
    # ARN (EnvironmentConfig.namespace_editors), so `role/Team` and `role/team` would be two entries for one role.
    tier_of: dict[str, tuple[str, str]] = {}
    own = f"{config.cluster_name}-"
    for field, arn in tiers:
        other = keys.setdefault(principal_key(arn), arn)
        if other != arn:
            raise ValueError(f"{field}: {arn!r} and {other!r} would share the access entry name {principal_key(arn)!r}")
        listed, spelt = tier_of.setdefault(arn.lower(), (field, arn))
        teams = listed.startswith("service_team_arns.") and field.startswith("service_team_arns.")
        if listed != field and not (teams and spelt == arn):
            if teams:
                raise ValueError(
                    f"{field}: {arn!r} is already in {listed} as {spelt!r}; IAM names are unique without case, so spell one "
                    "principal one way"
                )
            raise ValueError(f"{field}: {arn!r} is already in {listed}; list each principal once")
        if principal_name(arn).startswith(own):
            raise ValueError(
                f"{field}: {arn!r} is in the platform's own role name space ({own}...: the cluster, Fargate, the deploy runner, "
                "every service's role), which EKS or the platform already gives the access it needs; name a person's or a pipeline's role"
            )
    for service in config.service_team_arns:
        if service not in config.services:
            raise ValueError(f"service_team_arns.{service}: not a service (services: {', '.join(sorted(config.services))})")


def services_fit_the_platform(config: EnvironmentConfig) -> None:
    claimed: dict[tuple[str, str], str] = {}
    check_claims(config.services, config.fargate_profiles)
    for name, service in config.services.items():
        if service.name != name:
            raise ValueError(f"services.{name}: the map key and the service name differ ({service.name!r})")
        for field, value in (("namespace", service.namespace), ("repository", service.repository)):
            if (field, value) in claimed:
                loser, winner, note = blamed_service(claimed[field, value], name)  # config/blame.py: the new claim is blamed
                raise ValueError(f"services.{loser}.{field}: {value!r} is already used by {winner!r}{note}")
            claimed[field, value] = name
        ecr_name = f"{config.repository_prefix}/{service.repository}"
        if len(ecr_name) > ECR_REPOSITORY_NAME_MAX:
            raise ValueError(f"services.{name}.repository: the ECR name {ecr_name!r} would exceed {ECR_REPOSITORY_NAME_MAX} characters")
        if len(config.service_role_name(name)) > IAM_ROLE_NAME_MAX:
            raise ValueError(
                f"services.{name}: its IAM role name {config.service_role_name(name)!r} would exceed "
                f"{IAM_ROLE_NAME_MAX} characters; shorten the service name"
            )
        for target in service.reaches:
            if target == name:
                raise ValueError(f"services.{name}.reaches: a service always reaches itself; list other services only")
            if target not in config.services:
                raise ValueError(f"services.{name}.reaches: {target!r} is not a service; choose from {', '.join(sorted(config.services))}")
        if service.namespace in PLATFORM_NAMESPACES:
            raise ValueError(f"services.{name}.namespace: {service.namespace!r} is reserved for the platform (config/fargate.py)")


def within_quotas(config: EnvironmentConfig) -> None:
    """What grows with services, against the AWS quotas in config/quotas.py."""
    derived = derived_profiles()
    for name in config.fargate_profiles:
        if name in derived:
            raise ValueError(f"fargate_profiles.{name}: the platform derives this profile (config/fargate.py); remove it here")
    FARGATE_PROFILES_PER_CLUSTER.check(
        len(config.all_fargate_profiles),
        f"Fargate profiles ({len(config.fargate_profiles)} configured, {len(derived)} the platform adds)",
        field="fargate_profiles",
    )
    count = len(config.services)
    IAM_ROLES_PER_ACCOUNT.check(
        count + config.platform_role_count, f"IAM roles (one per service, {config.platform_role_count} for the platform)", field="services"
    )
    ECR_REPOSITORIES_PER_REGION.check(len({s.repository for s in config.services.values()}), "ECR repositories", field="services")
    SECRETS_PER_REGION.check(count, "Secrets Manager secrets (one per service)", field="services")
    platform_groups = 4 + len(config.platform_fargate_namespaces)  # control plane, router, 2 Container Insights
    LOG_GROUPS_PER_REGION.check(
        count + platform_groups, f"log groups (one per service, {platform_groups} for the platform)", field="services"
    )


# In order: what a protected environment must be first, the quotas last (they count what the others accept).
RULES = (
    protected_environment_rules,
    access_log_lock_fits,
    service_egress_leaves_the_vpc,
    fits_its_region,
    cluster_access_is_explicit,
    services_fit_the_platform,
    within_quotas,
)


def check_environment(config: EnvironmentConfig) -> None:
    for rule in RULES:
        rule(config)
