"""The public images the platform runs and the ECR pull-through cache it pulls them through.

Binding-free, so the platform stack (eks_platform/image_mirror.py), the workloads
(workloads/container_insights.py) and the image preflight (scripts/preflight.py) share one
definition of each mirror path: `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>:<tag>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.pins import collector_release, pin

# Rule key (the prefix's last part) -> the upstream registry URL as the ECR API spells it
# (CreatePullThroughCacheRule, upstreamRegistryUrl: ecr-public -> public.ecr.aws, k8s -> registry.k8s.io).
UPSTREAM_REGISTRIES = {
    "ecr-public": "public.ecr.aws",
    "k8s": "registry.k8s.io",
}
# ecrRepositoryPrefix as the ECR API constrains it: 2 to 30 characters of this pattern (API_PullThroughCacheRule).
PREFIX_PATTERN = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
PREFIX_LENGTH = range(2, 31)


def repository_prefix(cluster_name: str, key: str) -> str:
    """The ECR repository prefix of one upstream. It carries the cluster name: rules are per
    registry (account and region), so two environments in one account must not claim the same prefix."""
    prefix = f"{cluster_name}-{key}"
    if len(prefix) not in PREFIX_LENGTH or not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"pull-through cache prefix {prefix!r} must be 2 to 30 characters matching {PREFIX_PATTERN.pattern}")
    return prefix


@dataclass(frozen=True)
class MirroredImage:
    name: str
    upstream: str  # a key of UPSTREAM_REGISTRIES
    path: str  # the repository path under the upstream registry
    tag: str

    def repository(self, cluster_name: str) -> str:
        """The private repository the cache creates on the first pull."""
        return f"{repository_prefix(cluster_name, self.upstream)}/{self.path}"


def mirrored_image(name: str, image: str) -> MirroredImage:
    """`image` (`<registry>/<path>:<tag>`, its registry one of UPSTREAM_REGISTRIES) as the cache serves it."""
    registry, rest = image.split("/", 1)
    path, tag = rest.rsplit(":", 1)
    (upstream,) = [key for key, url in UPSTREAM_REGISTRIES.items() if url == registry]
    return MirroredImage(name, upstream, path, tag)


def mirrored_images() -> dict[str, MirroredImage]:
    """Every public image the platform runs, by what runs it, as pinned in its record (config/pins.py)."""
    kube_state_metrics = pin("kube-state-metrics")["image"]  # the chart's default image, by tag; the digest rides on `sha`
    return {
        "Container Insights collector": mirrored_image("Container Insights collector", collector_release()["image"]),
        "kube-state-metrics": mirrored_image("kube-state-metrics", f"{kube_state_metrics['repository']}:{kube_state_metrics['tag']}"),
    }
