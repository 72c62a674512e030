"""CloudWatch alarms on what a payment team pages on, per environment.

- Load balancers: 5xx responses (the targets' and the load balancer's own) and target response
  time. The controller creates the load balancers, so their names are not known here; the alarms
  use Metrics Insights queries that select this environment's load balancers by the tags the
  controller puts on them (`defaultTags`: Project and Environment). Metrics Insights reads
  resource tags only once "resource tags for telemetry" is on in the account, which the platform
  manages (eks_platform/telemetry_tags.py).
- Pods: container restarts per service namespace, and a HorizontalPodAutoscaler held at its
  maximum (the service cannot take more load), from kube-state-metrics.
- CoreDNS: SERVFAIL answers (name resolution failing for the cluster's pods).
- Heartbeats, one per signal source (Container Insights' pod metrics, the kube-state-metrics
  pipeline, CoreDNS's metrics): each fires when its source has sent nothing for 15 minutes, so a
  collector that never starts, or stops, pages instead of leaving every other alarm green.

The pod, autoscaler and DNS metrics are written by the Container Insights collector
(workloads/container_insights.py) under the names and dimensions config/observability.py fixes.
Every alarm is tagged by the provider's default tags and notifies `actions` (alarm and OK): the
topics in `alarms.topic_arns` and the environment's own topic (eks_platform/alarm_topic.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

from config.observability import PLATFORM_METRICS_NAMESPACE, AlarmConfig
from eks_platform.alarm_targets import HEARTBEATS, ServiceWatch, heartbeat_query, load_balancer_query

FIVE_MINUTES = 300
# A source silent for three 5-minute periods pages: long enough for the collector's pod to be
# rescheduled on Fargate (a new pod starts in 1 to 2 minutes), short enough to page within the hour.
HEARTBEAT_PERIODS = 3


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        config: AlarmConfig,
        actions: Sequence[str],
        load_balancer_tags: Mapping[str, str],
        services: Mapping[str, ServiceWatch],
        tags_setting: Sequence[ITerraformDependable] = (),
    ) -> None:
        """`actions`: the SNS topic ARNs every alarm notifies, on ALARM and on OK. `tags_setting`:
        the resource that turns on resource tags for telemetry where this stack manages it; the
        load balancer alarms filter on `tag.<key>`, which CloudWatch offers only once it is on
        (eks_platform/telemetry_tags.py), so on a fresh account they are created after it."""
        super().__init__(scope, id_)
        self._cluster_name = cluster_name
        self._actions = list(actions)
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
                # A load balancer publishes these only while requests flow (no traffic: no datapoint,
                # nothing wrong); a silent collector does not matter here: CloudWatch writes them itself.
                missing="notBreaching",
                after=tags_setting,
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
                # The series is 0 while nothing restarts; missing means the pipeline is silent, which
                # the cluster_state heartbeat pages once (not once per service).
                missing="notBreaching",
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
                # As for restarts: silence is the cluster_state heartbeat's page.
                missing="notBreaching",
            )

        self._alarm(
            "coredns_servfail",
            description=f"CoreDNS answered SERVFAIL more than {config.dns_servfail_per_5_minutes} times in 5 minutes",
            threshold=config.dns_servfail_per_5_minutes,
            periods=1,
            queries=[self._metric("servfail", "coredns_dns_responses_total", "Sum", {"rcode": "SERVFAIL"}, returned=True)],
            # The SERVFAIL series exists only once CoreDNS has answered SERVFAIL: missing means none.
            missing="notBreaching",
        )

        for source, (namespace, metric, dimensions) in HEARTBEATS.items():
            self._alarm(
                f"{source}_heartbeat",
                description=(
                    f"{source}: no {metric} datapoint for {HEARTBEAT_PERIODS * 5} minutes; its signal source is silent, so the "
                    "alarms that read it cannot fire (check the Container Insights collector in namespace amazon-cloudwatch)"
                ),
                threshold=1,
                comparison="LessThanThreshold",
                periods=HEARTBEAT_PERIODS,
                queries=[
                    CloudwatchMetricAlarmMetricQuery(
                        id="samples",
                        expression=heartbeat_query(namespace, metric, dimensions, cluster_name),
                        period=FIVE_MINUTES,
                        return_data=True,
                    )
                ],
                # Silence is exactly what this alarm is for.
                missing="breaching",
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
        missing: str,
        comparison: str = "GreaterThanThreshold",
        after: Sequence[ITerraformDependable] = (),
    ) -> None:
        """`missing`: how a period without data counts; every caller states why beside it."""
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
            treat_missing_data=missing,
            alarm_actions=self._actions,
            ok_actions=self._actions,
            depends_on=list(after) or None,
        )
