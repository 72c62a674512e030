"""Who may use the cluster: IAM principals for EKS access entries, each once, named by itself."""

from __future__ import annotations

import re
from collections import Counter

from config.quotas import IAM_PATH_MAX, IAM_ROLE_NAME_MAX, IAM_USER_NAME_MAX
from config.rules import IAM_PRINCIPAL_ARN


def principal_name(arn: str) -> str:
    """The role or user name of a principal ARN (its last path segment), lower-cased: IAM names are unique without case."""
    return arn.rsplit("/", 1)[1].lower()


def principal_arns(value: tuple[str, ...]) -> tuple[str, ...]:
    """IAM role or user ARNs within IAM's name and path lengths, each once, in any case (an access entry is per
    principal: a second one fails with ResourceInUseException, and IAM names are unique without case)."""
    for arn in value:
        if not IAM_PRINCIPAL_ARN.fullmatch(arn):
            raise ValueError(f"{arn!r} is not an IAM role or user ARN")
        kind, _, rest = arn.split(":", 5)[5].partition("/")
        path, _, name = rest.rpartition("/")
        limit = IAM_ROLE_NAME_MAX if kind == "role" else IAM_USER_NAME_MAX
        if not name or len(name) > limit or len(path) + 2 > IAM_PATH_MAX:
            raise ValueError(
                f"{arn!r}: an IAM {kind} name is 1 to {limit} characters and its path at most {IAM_PATH_MAX} (IAM hard limits): "
                "no such principal can exist"
            )
    repeated = sorted(arn for arn, count in Counter(arn.lower() for arn in value).items() if count > 1)
    if repeated:
        raise ValueError(f"{repeated[0]!r} is listed twice; each principal gets one access entry")
    return value


def principal_key(arn: str) -> str:
    """A Terraform-safe name derived from the principal alone (account, kind, path and name), so that
    reordering a list never replaces an access entry: arn:aws:iam::111122223333:role/ops/admin -> 111122223333_role_ops_admin."""
    account, resource = arn.split(":")[4], arn.split(":", 5)[5]
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{account}_{resource}")


# EKS refuses access-entry Kubernetes groups that start with `system:` (reserved for Kubernetes).
TEAM_GROUP_PREFIX = "tap:service-team:"


def team_group(namespace: str) -> str:
    """The Kubernetes group a service team's access entry carries, bound to its namespace's Role
    (workloads/team_access.py): tap:service-team:payment. Derived from the namespace, a DNS label."""
    return f"{TEAM_GROUP_PREFIX}{namespace}"
