"""Observability's contract: where the collector writes, what it names the metrics, and what pages.

The Container Insights collector (workloads/container_insights.py) writes metrics as embedded
metric format into the log groups named here; the alarms (eks_platform/alarms.py) read those
metrics and the load balancers' own (AWS/ApplicationELB). Both sides import the names from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from config.rules import Frozen

# Where the collector runs (a platform namespace with a Fargate profile of its own, config/fargate.py)
# and the service account its IAM role trusts.
COLLECTOR_NAMESPACE = "amazon-cloudwatch"
COLLECTOR_SERVICE_ACCOUNT = "container-insights-collector"
# What the collector scrapes, by port: the platform's network rules (eks_platform/collector_network.py)
# and the collector's configuration (workloads/collector_config.py) both read them from here.
KUBELET_PORT = 10250  # every Fargate node's kubelet, in the pod's own micro-VM
KUBE_STATE_METRICS_PORT = 8080  # kube-state-metrics' Service port, in the collector's namespace
COREDNS_METRICS_PORT = 9153  # the `metrics` port of the EKS CoreDNS add-on's kube-dns Service
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


# SNS subscription protocols the platform subscribes from configuration, and what each endpoint must be
# (Amazon SNS API reference, Subscribe: Protocol and Endpoint). `firehose` (needs a delivery role) and
# `application` (a mobile platform endpoint) are left out: neither pages a person.
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
SUBSCRIPTION_ENDPOINTS: dict[str, tuple[re.Pattern[str], str]] = {
    "email": (EMAIL, "an email address"),
    "email-json": (EMAIL, "an email address"),
    # No quote, '$' or brace: the endpoint lands in Terraform JSON, where "${" would interpolate.
    "https": (re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~:/?#@!&()*+,;=%-]*)?"), "an https:// URL"),
    "sms": (re.compile(r"\+[1-9][0-9]{6,14}"), "a phone number in E.164 form (+ and 7 to 15 digits)"),
    "sqs": (re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?"), "an SQS queue ARN"),
    "lambda": (
        re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?"),
        "a Lambda function ARN",
    ),
}


class TelemetryTags(StrEnum):
    """Who turns on CloudWatch's account-wide "resource tags for telemetry", which the load balancer
    alarms' tag queries need: this environment (`managed`) or someone else in the account (`external`)."""

    MANAGED = "managed"
    EXTERNAL = "external"


class Subscription(Frozen):
    """One endpoint subscribed to the environment's alarm topic."""

    protocol: str
    endpoint: str

    @model_validator(mode="after")
    def _endpoint_fits_protocol(self) -> Subscription:
        if self.protocol not in SUBSCRIPTION_ENDPOINTS:
            raise ValueError(f"protocol {self.protocol!r} is not one of {', '.join(SUBSCRIPTION_ENDPOINTS)}")
        pattern, what = SUBSCRIPTION_ENDPOINTS[self.protocol]
        if len(self.endpoint) > 2048 or not pattern.fullmatch(self.endpoint):
            raise ValueError(f"endpoint {self.endpoint!r} must be {what} for protocol {self.protocol!r}")
        return self


class AlarmConfig(Frozen):
    """Thresholds per evaluation window, and whom every alarm notifies: the SNS topics given in
    `topic_arns`, and the environment's own topic when `create_topic` is on (KMS-encrypted,
    eks_platform/alarm_topic.py) with `subscriptions` keyed by name. A protected environment
    must name at least one target (config/environment.py)."""

    topic_arns: tuple[str, ...] = ()
    create_topic: StrictBool = False
    subscriptions: Mapping[str, Subscription] = Field(default_factory=dict)
    # The load balancer alarms select by resource tags; see TelemetryTags.
    telemetry_tags: TelemetryTags = TelemetryTags.MANAGED
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

    @field_validator("subscriptions")
    @classmethod
    def _subscription_names(cls, value: Mapping[str, Subscription]) -> Mapping[str, Subscription]:
        for name in value:
            if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", name):
                raise ValueError(f"{name!r} must be a DNS label (lower-case letters, digits and '-'): it names a Terraform resource")
        return value

    @model_validator(mode="after")
    def _targets(self) -> AlarmConfig:
        if self.subscriptions and not self.create_topic:
            raise ValueError("subscriptions: set create_topic: true; subscriptions go to the topic the platform creates")
        if len(self.topic_arns) + self.create_topic > MAX_ALARM_ACTIONS:
            raise ValueError(
                f"topic_arns: at most {MAX_ALARM_ACTIONS} topics with the created one: "
                f"CloudWatch allows {MAX_ALARM_ACTIONS} actions per alarm state"
            )
        return self

    @property
    def notifies(self) -> bool:
        """Whether an alarm reaches anyone: a given topic, or a created topic with a subscriber."""
        return bool(self.topic_arns) or (self.create_topic and bool(self.subscriptions))
