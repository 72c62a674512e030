"""Observability's contract: where the collector writes, what it names the metrics, and what pages.

The Container Insights collector (workloads/container_insights.py) writes metrics as embedded
metric format into the log groups named here; the alarms (eks_platform/alarms.py) read those
metrics and the load balancers' own (AWS/ApplicationELB). Both sides import the names from here.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StrictInt, field_validator

from config.rules import Frozen

# Where the collector runs (a platform namespace with a Fargate profile of its own, config/fargate.py)
# and the service account its IAM role trusts.
COLLECTOR_NAMESPACE = "amazon-cloudwatch"
COLLECTOR_SERVICE_ACCOUNT = "container-insights-collector"
# The namespace Container Insights' console reads, and this platform's own for the cluster-state metrics.
CONTAINER_INSIGHTS_NAMESPACE = "ContainerInsights"
PLATFORM_METRICS_NAMESPACE = "tap-eks/kubernetes"
# performance: Container Insights' pod metrics (the console reads this name); prometheus: what the alarms read.
CONTAINER_INSIGHTS_LOG_KINDS = ("performance", "prometheus")


def container_insights_log_group(cluster_name: str, kind: str) -> str:
    return f"/aws/containerinsights/{cluster_name}/{kind}"


# arn:<partition>:sns:<region>:<account>:<topic>; a topic name is 1 to 256 letters, digits, '-' and '_' (and '.fifo').
SNS_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")
# CloudWatch alarms accept at most 5 actions per state.
MAX_ALARM_ACTIONS = 5


class AlarmConfig(Frozen):
    """Thresholds per evaluation window, and the SNS topics every alarm notifies (none: console only)."""

    topic_arns: tuple[str, ...] = ()
    # Load balancers: 5xx responses per minute (the target's and the load balancer's own, each), and
    # the average target response time, each sustained for `sustained_minutes`.
    http_5xx_per_minute: Annotated[StrictInt, Field(ge=1, le=100_000)] = 10
    target_response_seconds: Annotated[StrictInt, Field(ge=1, le=60)] = 2
    sustained_minutes: Annotated[StrictInt, Field(ge=1, le=60)] = 5
    # Pods: container restarts in one service's namespace within 5 minutes.
    pod_restarts_per_5_minutes: Annotated[StrictInt, Field(ge=1, le=1000)] = 3
    # An autoscaler at its maximum for this long means the service cannot take more load.
    hpa_at_max_minutes: Annotated[StrictInt, Field(ge=5, le=1440, multiple_of=5)] = 15
    # CoreDNS answers SERVFAIL within 5 minutes: resolution is failing for the cluster's pods.
    dns_servfail_per_5_minutes: Annotated[StrictInt, Field(ge=1, le=100_000)] = 20

    @field_validator("topic_arns")
    @classmethod
    def _topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > MAX_ALARM_ACTIONS:
            raise ValueError(f"at most {MAX_ALARM_ACTIONS} topics: CloudWatch allows {MAX_ALARM_ACTIONS} actions per alarm state")
        for arn in value:
            if not SNS_TOPIC_ARN.fullmatch(arn):
                raise ValueError(f"{arn!r} is not an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<topic>)")
        if len(set(value)) != len(value):
            raise ValueError("a topic is listed twice; list each topic once")
        return value
