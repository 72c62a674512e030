"""CloudWatch alarms on what a payment team pages on, per environment.

- Load balancers: 5xx responses (the targets' and the load balancer's own) and target response
  time. The controller creates the load balancers, so their names are not known here; the alarms
  use Metrics Insights queries that select this environment's load balancers by the tags the
  controller puts on them (`defaultTags`: Project and Environment). Metrics Insights reads
  resource tags only once "resource tags for telemetry" is on in the account (README).
- Pods: container restarts per service namespace, and a HorizontalPodAutoscaler held at its
  maximum (the service cannot take more load), from kube-state-metrics.
- CoreDNS: SERVFAIL answers (name resolution failing for the cluster's pods).

The pod, autoscaler and DNS metrics are written by the Container Insights collector
(workloads/container_insights.py) under the names and dimensions config/observability.py fixes.
Every alarm is tagged by the provider's default tags and notifies `alarms.topic_arns`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from config.observability import PLATFORM_METRICS_NAMESPACE, AlarmConfig
from eks_platform.alarm_targets import ServiceWatch, load_balancer_query

FIVE_MINUTES = 300


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        config: AlarmConfig,
        load_balancer_tags: Mapping[str, str],
        services: Mapping[str, ServiceWatch],
    ) -> None:
        super().__init__(scope, id_)
        self._cluster_name = cluster_name
        self._actions = list(config.topic_arns)
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}

        minutes = config.sustained_minutes
        for key, function, metric, threshold, what in (
            (
                "alb_target_5xx",
                "SUM",
                "HTTPCode_Target_5XX_Count",
                config.http_5xx_per_minute,
                "5xx responses per minute from the services",
            ),
            (
                "alb_elb_5xx",
                "SUM",
                "HTTPCode_ELB_5XX_Count",
                config.http_5xx_per_minute,
                "5xx responses per minute from the load balancers",
            ),
            ("alb_latency", "AVG", "TargetResponseTime", config.target_response_seconds, "average target response time, seconds"),
        ):
            self._alarm(
                key,
                description=f"{what} above {threshold} for {minutes} minutes, across this environment's load balancers",
                threshold=threshold,
                periods=minutes,
                queries=[
                    CloudwatchMetricAlarmMetricQuery(
                        id="q", expression=load_balancer_query(function, metric, load_balancer_tags), period=60, return_data=True
                    )
                ],
            )

        for service, watch in services.items():
            self._alarm(
                f"{service}_pod_restarts",
                description=(
                    f"{service}: more than {config.pod_restarts_per_5_minutes} container restarts in 5 minutes "
                    f"in namespace {watch.namespace}"
                ),
                threshold=config.pod_restarts_per_5_minutes,
                periods=1,
                queries=[
                    self._metric(
                        "restarts", "kube_pod_container_status_restarts_total", "Sum", {"Namespace": watch.namespace}, returned=True
                    )
                ],
            )
            if not watch.scales:
                continue  # min == max: the autoscaler is always "at its maximum", which is no news
            dimensions = {"Namespace": watch.namespace, "HorizontalPodAutoscaler": watch.autoscaler}
            self._alarm(
                f"{service}_hpa_at_max",
                description=f"{service}: the autoscaler has run at its maximum replicas for {config.hpa_at_max_minutes} minutes",
                threshold=0,
                comparison="GreaterThanOrEqualToThreshold",
                periods=config.hpa_at_max_minutes // 5,
                queries=[
                    self._metric("current", "kube_horizontalpodautoscaler_status_current_replicas", "Maximum", dimensions),
                    self._metric("maximum", "kube_horizontalpodautoscaler_spec_max_replicas", "Maximum", dimensions),
                    CloudwatchMetricAlarmMetricQuery(
                        id="at_max", expression="current - maximum", label="replicas above the maximum", return_data=True
                    ),
                ],
            )

        self._alarm(
            "coredns_servfail",
            description=f"CoreDNS answered SERVFAIL more than {config.dns_servfail_per_5_minutes} times in 5 minutes",
            threshold=config.dns_servfail_per_5_minutes,
            periods=1,
            queries=[self._metric("servfail", "coredns_dns_responses_total", "Sum", {"rcode": "SERVFAIL"}, returned=True)],
        )

    def _metric(
        self, id_: str, name: str, stat: str, dimensions: Mapping[str, str], *, returned: bool = False
    ) -> CloudwatchMetricAlarmMetricQuery:
        return CloudwatchMetricAlarmMetricQuery(
            id=id_,
            return_data=returned,
            metric=CloudwatchMetricAlarmMetricQueryMetric(
                namespace=PLATFORM_METRICS_NAMESPACE,
                metric_name=name,
                stat=stat,
                period=FIVE_MINUTES,
                dimensions={"ClusterName": self._cluster_name, **dimensions},
            ),
        )

    def _alarm(
        self,
        key: str,
        *,
        description: str,
        threshold: float,
        periods: int,
        queries: Sequence[CloudwatchMetricAlarmMetricQuery],
        comparison: str = "GreaterThanThreshold",
    ) -> None:
        self.alarms[key] = CloudwatchMetricAlarm(
            self,
            key,
            alarm_name=f"{self._cluster_name}-{key.replace('_', '-')}",
            alarm_description=description,
            comparison_operator=comparison,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            metric_query=list(queries),
            # A missing 5xx or restart datapoint means none happened.
            treat_missing_data="notBreaching",
            alarm_actions=self._actions,
            ok_actions=self._actions,
        )
