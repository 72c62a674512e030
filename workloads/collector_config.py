"""The ADOT collector's configuration: Container Insights for Fargate pods, and what the alarms read.

Follows the AWS pattern for EKS on Fargate ("Container Insights on Fargate using ADOT",
deployment-template/eks/otel-fargate-container-insights.yaml at aws-otel-collector v0.43.3) with
one change: Fargate has no node agent, so one collector scrapes each kubelet's cAdvisor endpoint,
but directly (`https://<node InternalIP>:10250/metrics/cadvisor` with its service-account token,
as metrics-server does) instead of through the API server's node proxy, so its ClusterRole needs
`nodes/metrics`, never `nodes/proxy` (which allows exec through the kubelet). It writes pod CPU,
memory and network as embedded metric format (EMF) to `/aws/containerinsights/<cluster>/performance`,
namespace ContainerInsights. docs/container-insights.md lists every deviation from AWS's template.

Component type names and config keys are checked against workloads/data/adot_collector.json
(facts read from the pinned release's source).

A second pipeline scrapes kube-state-metrics (restarts, autoscaler replicas) and CoreDNS
(responses by rcode) and writes the metrics the alarms read (eks_platform/alarms.py) to the
`prometheus` group, namespace `tap-eks/kubernetes`, with the dimensions the alarms name.

`$$` is the collector's escape for a literal `$` (it expands `$` as environment variables).
"""

from __future__ import annotations

from typing import Any

import yaml

from config.observability import (
    CONTAINER_INSIGHTS_NAMESPACE,
    KUBE_STATE_METRICS_PORT,
    PLATFORM_METRICS_NAMESPACE,
    container_insights_log_group,
)

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# Prometheus label -> the dimension name the alarms use.
DIMENSION_LABELS = {"namespace": "Namespace", "horizontalpodautoscaler": "HorizontalPodAutoscaler", "pod": "PodName"}
# cAdvisor series of a whole pod (no container, no image label) -> Container Insights' pod metric.
POD_METRICS = {
    "container_cpu_usage_seconds_total": "pod_cpu_usage_seconds_total",
    "container_spec_cpu_quota": "pod_cpu_limit_raw",
    "container_memory_working_set_bytes": "pod_memory_working_set",
    "container_spec_memory_limit_bytes": "pod_memory_limit",
    "container_network_receive_bytes_total": "pod_network_rx_bytes",
    "container_network_transmit_bytes_total": "pod_network_tx_bytes",
}
NETWORK_METRICS = ("pod_network_rx_bytes", "pod_network_tx_bytes")
RATES = ["pod_cpu_usage_seconds_total", *NETWORK_METRICS]
# What the performance log group publishes as metrics: the console's Fargate pod metrics.
CONSOLE_POD_METRICS = [
    "pod_cpu_utilization_over_pod_limit",
    "pod_cpu_usage_total",
    "pod_cpu_limit",
    "pod_memory_utilization_over_pod_limit",
    "pod_memory_working_set",
    "pod_memory_limit",
    *NETWORK_METRICS,
]
ALARM_METRICS = {
    "kube_pod_container_status_restarts_total": [["ClusterName", "Namespace"]],
    "kube_horizontalpodautoscaler_status_current_replicas": [["ClusterName", "Namespace", "HorizontalPodAutoscaler"]],
    "kube_horizontalpodautoscaler_spec_max_replicas": [["ClusterName", "Namespace", "HorizontalPodAutoscaler"]],
    "coredns_dns_responses_total": [["ClusterName", "rcode"]],
    # The CoreDNS heartbeat alarm (eks_platform/alarms.py): requests served, whatever the answer. CoreDNS names it
    # coredns_dns_requests_total (coredns/coredns v1.11.1, commit ae2bbc29be1aaae0b3ded5d188968a6c97bb3144,
    # plugin/metrics/vars/vars.go: namespace coredns, subsystem dns, name requests_total; read 2026-12-05).
    "coredns_dns_requests_total": [["ClusterName"]],
}
COUNTERS = ["kube_pod_container_status_restarts_total", "coredns_dns_responses_total", "coredns_dns_requests_total"]


def _relabel_to_dimensions() -> list[dict[str, Any]]:
    return [{"action": "replace", "source_labels": [label], "target_label": name} for label, name in DIMENSION_LABELS.items()]


def _receivers(namespace: str) -> dict[str, Any]:
    kubelet = {
        "job_name": "kubelet-cadvisor",
        "scrape_interval": "60s",
        "scrape_timeout": "30s",
        "scheme": "https",
        "tls_config": {"ca_file": f"{SERVICE_ACCOUNT_DIR}/ca.crt"},
        "bearer_token_file": f"{SERVICE_ACCOUNT_DIR}/token",
        # The node role's target is <InternalIP>:<kubelet port> already; the kubelet authorizes
        # the token for /metrics/cadvisor as `get nodes/metrics`.
        "metrics_path": "/metrics/cadvisor",
        "kubernetes_sd_configs": [{"role": "node"}],
        "relabel_configs": [{"action": "labelmap", "regex": "__meta_kubernetes_node_label_(.+)"}],
        "metric_relabel_configs": _relabel_to_dimensions(),
    }
    kube_state = {
        "job_name": "kube-state-metrics",
        "scrape_interval": "60s",
        "static_configs": [{"targets": [f"kube-state-metrics.{namespace}.svc:{KUBE_STATE_METRICS_PORT}"]}],
        "metric_relabel_configs": _relabel_to_dimensions(),
    }
    coredns = {
        "job_name": "coredns",
        "scrape_interval": "60s",
        "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": ["kube-system"]}}],
        "relabel_configs": [
            {
                "action": "keep",
                "source_labels": ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port_name"],
                "regex": "kube-dns;metrics",
            }
        ],
    }
    return {
        "prometheus/kubelet": {"config": {"scrape_configs": [kubelet]}},
        "prometheus/cluster": {"config": {"scrape_configs": [kube_state, coredns]}},
    }


def _processors() -> dict[str, Any]:
    # A pod's own cgroup series has no container and no image label; its network counters are on
    # the sandbox (pause) container's series instead, which carries the pause image: match by pod only.
    pod_cgroup = {"image": "^$", "container": "^$", "PodName": "\\S"}
    pod_any = {"PodName": "\\S"}
    return {
        "resourcedetection": {"detectors": ["env"]},
        "metricstransform/pods": {
            "transforms": [
                {
                    "include": source,
                    "new_name": target,
                    "action": "insert",
                    "match_type": "regexp",
                    "experimental_match_labels": dict(pod_any if target in NETWORK_METRICS else pod_cgroup),
                }
                for source, target in POD_METRICS.items()
            ]
            + [
                {
                    "include": "pod_.*",
                    "match_type": "regexp",
                    "action": "update",
                    # awsemf shapes Container Insights' Fargate records only for Type Pod or Container.
                    "operations": [
                        {"action": "add_label", "new_label": "LaunchType", "new_value": "fargate"},
                        {"action": "add_label", "new_label": "Type", "new_value": "Pod"},
                    ],
                }
            ]
        },
        "filter/pods": {"metrics": {"include": {"match_type": "strict", "metric_names": list(POD_METRICS.values())}}},
        "cumulativetodelta/pods": {"include": {"metrics": RATES, "match_type": "strict"}},
        "deltatorate/pods": {"metrics": RATES},
        # The metrics the Container Insights console shows for Fargate pods, derived as AWS's template does.
        "metricsgeneration/pods": {
            "rules": [
                {
                    "name": "pod_cpu_usage_total",
                    "unit": "Millicore",
                    "type": "scale",
                    "metric1": "pod_cpu_usage_seconds_total",
                    "operation": "multiply",
                    "scale_by": 1000,
                },
                {
                    "name": "pod_cpu_limit",
                    "unit": "Millicore",
                    "type": "scale",
                    "metric1": "pod_cpu_limit_raw",
                    "operation": "divide",
                    "scale_by": 100,
                },
                {
                    "name": "pod_memory_utilization_over_pod_limit",
                    "unit": "Percent",
                    "type": "calculate",
                    "metric1": "pod_memory_working_set",
                    "metric2": "pod_memory_limit",
                    "operation": "percent",
                },
            ]
        },
        "metricsgeneration/utilization": {
            "rules": [
                {
                    "name": "pod_cpu_utilization_over_pod_limit",
                    "unit": "Percent",
                    "type": "calculate",
                    "metric1": "pod_cpu_usage_total",
                    "metric2": "pod_cpu_limit",
                    "operation": "percent",
                }
            ]
        },
        "filter/alarms": {"metrics": {"include": {"match_type": "strict", "metric_names": list(ALARM_METRICS)}}},
        "cumulativetodelta/alarms": {"include": {"metrics": COUNTERS, "match_type": "strict"}},
        "batch": {"timeout": "60s"},
    }


def _exporters(cluster_name: str, region: str) -> dict[str, Any]:
    common = {"region": region, "resource_to_telemetry_conversion": {"enabled": True}, "dimension_rollup_option": "NoDimensionRollup"}
    pod_dimensions = [
        ["ClusterName", "LaunchType"],
        ["ClusterName", "Namespace", "LaunchType"],
        ["ClusterName", "Namespace", "PodName", "LaunchType"],
    ]
    return {
        "awsemf/performance": {
            **common,
            "namespace": CONTAINER_INSIGHTS_NAMESPACE,
            "log_group_name": container_insights_log_group(cluster_name, "performance"),
            "log_stream_name": "{PodName}",
            "eks_fargate_container_insights_enabled": True,
            # The exporter decodes the `kubernetes` object it builds only when asked to (as AWS's template does).
            "parse_json_encoded_attr_values": ["kubernetes"],
            "metric_declarations": [{"dimensions": pod_dimensions, "metric_name_selectors": CONSOLE_POD_METRICS}],
        },
        "awsemf/alarms": {
            **common,
            "namespace": PLATFORM_METRICS_NAMESPACE,
            "log_group_name": container_insights_log_group(cluster_name, "prometheus"),
            "log_stream_name": "cluster-state",
            "metric_declarations": [
                {
                    "dimensions": dimensions,
                    "metric_name_selectors": [name],
                    **(
                        {"label_matchers": [{"label_names": ["rcode"], "regex": "SERVFAIL"}]}
                        if name == "coredns_dns_responses_total"
                        else {}
                    ),
                }
                for name, dimensions in ALARM_METRICS.items()
            ],
        },
    }


def collector_config(*, cluster_name: str, region: str, namespace: str) -> dict[str, Any]:
    return {
        "extensions": {"health_check": {"endpoint": "0.0.0.0:13133"}},
        "receivers": _receivers(namespace),
        "processors": _processors(),
        "exporters": _exporters(cluster_name, region),
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "metrics/performance": {
                    "receivers": ["prometheus/kubelet"],
                    "processors": [
                        "resourcedetection",
                        "metricstransform/pods",
                        "filter/pods",
                        "cumulativetodelta/pods",
                        "deltatorate/pods",
                        "metricsgeneration/pods",
                        "metricsgeneration/utilization",
                        "batch",
                    ],
                    "exporters": ["awsemf/performance"],
                },
                "metrics/alarms": {
                    "receivers": ["prometheus/cluster"],
                    "processors": ["resourcedetection", "filter/alarms", "cumulativetodelta/alarms", "batch"],
                    "exporters": ["awsemf/alarms"],
                },
            },
        },
    }


class _NoAliases(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases, whatever objects the configuration shares."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def collector_config_text(**kwargs: str) -> str:
    return yaml.dump(collector_config(**kwargs), Dumper=_NoAliases, sort_keys=False)
