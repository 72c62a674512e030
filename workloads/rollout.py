"""How long a service release may wait for its rollout, derived from its replica counts.

A release is atomic and waits (`wait=True`): Helm watches the Deployment until every new pod is
ready, and rolls the release back when its timeout passes first. On Fargate each pod starts
slowly: a micro-VM is provisioned, the whole image is pulled (Fargate keeps no image cache), the
readiness probe passes, and, through the load balancer controller's readiness gate, the pod
counts as ready only once its target is healthy in the ALB target group. With `maxSurge: 1` a
12-replica rollout starts twelve pods one after another and outruns a 600 s timeout. So the
surge is a percentage of the replicas and the timeout is computed from the largest rollout:

    surge   = ceil(maxReplicas * maxSurgePercent / 100)     (Kubernetes rounds maxSurge up)
    waves   = ceil(maxReplicas / surge)
    timeout = waves * podStartSeconds + FIRST_INSTALL_SECONDS

The chart checks the same arithmetic (templates/_helpers.tpl, service.validateRollout) and
refuses a timeout that does not cover the rollout or a rollout beyond MAX_TIMEOUT_SECONDS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from config.loader import REPO_ROOT, deep_merge

CHART_VALUES = REPO_ROOT / "charts" / "service" / "values.yaml"
# A first install creates (or joins) the load balancer before any target can turn healthy; the
# controller provisions it while the first wave of pods starts. Budgeted, not measured here.
FIRST_INSTALL_SECONDS = 300
# Our bound on one release's wait (not Helm's: Helm and the provider take any duration). It keeps
# a workloads apply, and the deploy runner's build timeout (eks_platform/deploy_runner.py), bounded;
# the chart refuses a rollout that needs more.
MAX_TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class RolloutPlan:
    max_replicas: int
    surge_percent: int
    pod_start_seconds: int

    @property
    def surge_pods(self) -> int:
        return -(-self.max_replicas * self.surge_percent // 100)

    @property
    def waves(self) -> int:
        return -(-self.max_replicas // self.surge_pods)

    @property
    def timeout_seconds(self) -> int:
        return min(self.waves * self.pod_start_seconds + FIRST_INSTALL_SECONDS, MAX_TIMEOUT_SECONDS)


@cache
def chart_defaults() -> Mapping[str, Any]:
    return yaml.safe_load(CHART_VALUES.read_text())


def _integer(values: Mapping[str, Any], section: str, key: str, low: int, high: int) -> int:
    """The value if the schema would accept it, else the chart default. A value the schema refuses
    fails the synth in the values check (with its file and field), never here."""
    value = (values.get(section) or {}).get(key) if isinstance(values.get(section), Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return int(chart_defaults()[section][key])


def rollout_plan(service_values: Mapping[str, Any]) -> RolloutPlan:
    """The plan for a service's values (its values files merged), over the chart defaults."""
    values = deep_merge(chart_defaults(), service_values)
    return RolloutPlan(
        max_replicas=_integer(values, "autoscaling", "maxReplicas", 1, 100),
        surge_percent=_integer(values, "rollout", "maxSurgePercent", 1, 100),
        pod_start_seconds=_integer(values, "rollout", "podStartSeconds", 60, 600),
    )
