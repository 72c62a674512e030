"""What the alarms watch, without provider bindings: the integration checks use it too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.model import ServiceConfig
from config.observability import CONTAINER_INSIGHTS_NAMESPACE, PLATFORM_METRICS_NAMESPACE
from eks_platform.service_network import chart_values


@dataclass(frozen=True)
class ServiceWatch:
    """What the alarms need of one service: its namespace, its autoscaler's name (the chart names it
    after the release, which is the service) and whether it can scale at all (max above min)."""

    namespace: str
    autoscaler: str
    scales: bool = True

    @classmethod
    def of(cls, name: str, service: ServiceConfig) -> ServiceWatch:
        autoscaling = chart_values(service)["autoscaling"]
        return cls(namespace=service.namespace, autoscaler=name, scales=autoscaling["maxReplicas"] > autoscaling["minReplicas"])


# Tags the controller puts on every load balancer it creates (its `defaultTags`) that together name one environment.
LOAD_BALANCER_TAG_KEYS = ("Project", "Environment")


def load_balancer_tags(environment_tags: Mapping[str, str]) -> dict[str, str]:
    return {key: environment_tags[key] for key in LOAD_BALANCER_TAG_KEYS}


def load_balancer_query(function: str, metric: str, tags: Mapping[str, str]) -> str:
    """A Metrics Insights query over this environment's load balancers, selected by their tags.
    Tag values are validated tag characters (config/rules.py), never a quote."""
    where = " AND ".join(f"tag.{key} = '{value}'" for key, value in sorted(tags.items()))
    return f'SELECT {function}({metric}) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer) WHERE {where}'


# Signal source -> (namespace, metric, dimension set) of a metric it writes at every scrape while it runs.
# Container Insights: pod memory, written for every running pod (the collector's own included);
# kube-state-metrics: restarts, a series per container, written as a delta (0 when none);
# CoreDNS: requests served, a series once CoreDNS has answered one query (any pod's look-up),
# then written at every scrape as a delta (0 when idle). The heartbeats count datapoints, not values.
HEARTBEATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "container_insights": (CONTAINER_INSIGHTS_NAMESPACE, "pod_memory_working_set", ("ClusterName", "LaunchType")),
    "cluster_state": (PLATFORM_METRICS_NAMESPACE, "kube_pod_container_status_restarts_total", ("ClusterName", "Namespace")),
    "coredns": (PLATFORM_METRICS_NAMESPACE, "coredns_dns_requests_total", ("ClusterName",)),
}


def heartbeat_query(namespace: str, metric: str, dimensions: tuple[str, ...], cluster_name: str) -> str:
    """How many datapoints of `metric` this cluster wrote per period (none: the query returns no data).
    Metrics Insights, so the other dimensions' values (namespaces, launch type) need not be known.
    The cluster name is a DNS label (config/rules.py), never a quote."""
    schema = ", ".join([f'"{namespace}"', *dimensions])
    return f"SELECT COUNT({metric}) FROM SCHEMA({schema}) WHERE ClusterName = '{cluster_name}'"
