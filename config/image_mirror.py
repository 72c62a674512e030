"""The public images the platform runs and the ECR pull-through cache it pulls them through.

Binding-free, so the platform stack (eks_platform/image_mirror.py), the workloads
(workloads/container_insights.py) and the image preflight (scripts/preflight.py) share one
definition of each mirror path: `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>:<tag>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from config.loader import REPO_ROOT

# Rule key (the prefix's last part) -> the upstream registry URL as the ECR API spells it
# (CreatePullThroughCacheRule, upstreamRegistryUrl: ecr-public -> public.ecr.aws, k8s -> registry.k8s.io).
UPSTREAM_REGISTRIES = {
    "ecr-public": "public.ecr.aws",
    "k8s": "registry.k8s.io",
}
# ecrRepositoryPrefix as the ECR API constrains it: 2 to 30 characters of this pattern (API_PullThroughCacheRule).
PREFIX_PATTERN = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
PREFIX_LENGTH = range(2, 31)

# kube-state-metrics chart 5.27.0's own image (values.yaml `image`, tag defaulting to v<appVersion>),
# pinned so the mirror serves exactly it (eks_platform/data/image_mirror.json).
KUBE_STATE_METRICS_IMAGE_REPOSITORY = "kube-state-metrics/kube-state-metrics"
KUBE_STATE_METRICS_IMAGE_TAG = "v2.14.0"
COLLECTOR_VALUES = REPO_ROOT / "charts" / "container-insights" / "values.yaml"


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


def mirrored_images() -> dict[str, MirroredImage]:
    """Every public image the platform runs, by what runs it. The collector's comes from its chart's values."""
    collector = yaml.safe_load(COLLECTOR_VALUES.read_text())["image"]
    registry, rest = collector.split("/", 1)
    path, tag = rest.rsplit(":", 1)
    (upstream,) = [key for key, url in UPSTREAM_REGISTRIES.items() if url == registry]
    return {
        "Container Insights collector": MirroredImage("Container Insights collector", upstream, path, tag),
        "kube-state-metrics": MirroredImage("kube-state-metrics", "k8s", KUBE_STATE_METRICS_IMAGE_REPOSITORY, KUBE_STATE_METRICS_IMAGE_TAG),
    }
