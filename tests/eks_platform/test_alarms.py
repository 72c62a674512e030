"""The alarms a payment team pages on, as synthesized: what each watches, when it fires, whom it notifies."""

from __future__ import annotations

import json
from pathlib import Path

from config.model import EnvironmentConfig
from config.observability import PLATFORM_METRICS_NAMESPACE
from eks_platform.alarm_targets import ServiceWatch, load_balancer_query
from tests.conftest import Synthesized, synthesize
from workloads.collector_config import ALARM_METRICS, collector_config


def alarms(env: Synthesized) -> dict[str, dict]:
    return {a["alarm_name"]: a for a in env.resources("platform", "aws_cloudwatch_metric_alarm").values()}


def test_every_service_has_restart_and_autoscaler_alarms_and_the_cluster_its_own(env: Synthesized) -> None:
    cluster = env.config.cluster_name
    expected = {f"{cluster}-{name}" for name in ("alb-target-5xx", "alb-elb-5xx", "alb-latency", "coredns-servfail")}
    expected |= {f"{cluster}-{service}-pod-restarts" for service in env.config.services}
    expected |= {
        f"{cluster}-{service}-hpa-at-max" for service, spec in env.config.services.items() if ServiceWatch.of(service, spec).scales
    }
    assert set(alarms(env)) == expected
    assert any(name.endswith("-hpa-at-max") for name in alarms(env))


def test_load_balancer_alarms_select_this_environments_load_balancers_by_tag(env: Synthesized) -> None:
    tags = env.config.all_tags()
    for name in ("alb-target-5xx", "alb-elb-5xx", "alb-latency"):
        (query,) = alarms(env)[f"{env.config.cluster_name}-{name}"]["metric_query"]
        assert query["expression"].startswith("SELECT ") and 'FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)' in query["expression"]
        assert query["expression"].endswith(f"WHERE tag.Environment = '{tags['Environment']}' AND tag.Project = '{tags['Project']}'")
        assert query["period"] == 60 and query["return_data"] is True


def test_the_load_balancers_carry_the_tags_the_alarms_select(env: Synthesized) -> None:
    """The controller's defaultTags put them on every load balancer it creates."""
    values = json.loads(env.resources("workloads", "helm_release")["alb_controller_release"]["values"][0])
    assert {key: values["defaultTags"][key] for key in ("Project", "Environment")} == {
        key: env.config.all_tags()[key] for key in ("Project", "Environment")
    }


def test_an_autoscaler_alarm_fires_when_current_replicas_reach_the_maximum(env: Synthesized) -> None:
    for service, spec in env.config.services.items():
        if not ServiceWatch.of(service, spec).scales:
            continue
        alarm = alarms(env)[f"{env.config.cluster_name}-{service}-hpa-at-max"]
        queries = {q["id"]: q for q in alarm["metric_query"]}
        assert queries["at_max"]["expression"] == "current - maximum" and queries["at_max"]["return_data"] is True
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold" and alarm["threshold"] == 0
        assert alarm["evaluation_periods"] * 5 == env.config.alarms.hpa_at_max_minutes == alarm["datapoints_to_alarm"] * 5
        for key in ("current", "maximum"):
            assert queries[key]["metric"]["dimensions"] == {
                "ClusterName": env.config.cluster_name,
                "Namespace": spec.namespace,
                "HorizontalPodAutoscaler": service,  # the chart names the autoscaler after the release
            }


def test_alarms_read_exactly_what_the_collector_writes(env: Synthesized) -> None:
    """Metric names, namespace and dimension sets agree between eks_platform/alarms.py and the collector."""
    exporter = collector_config(cluster_name=env.config.cluster_name, region=env.config.region, namespace="amazon-cloudwatch")["exporters"][
        "awsemf/alarms"
    ]
    assert exporter["namespace"] == PLATFORM_METRICS_NAMESPACE
    declared = {
        (s, tuple(sorted(d))) for decl in exporter["metric_declarations"] for s in decl["metric_name_selectors"] for d in decl["dimensions"]
    }
    for alarm in alarms(env).values():
        for query in alarm["metric_query"]:
            metric = query.get("metric")
            if metric:
                assert metric["namespace"] == PLATFORM_METRICS_NAMESPACE
                assert metric["metric_name"] in ALARM_METRICS
                assert (metric["metric_name"], tuple(sorted(metric["dimensions"]))) in declared, alarm["alarm_name"]


def test_missing_data_does_not_page_and_every_alarm_notifies_the_configured_topics(env: Synthesized) -> None:
    for name, alarm in alarms(env).items():
        assert alarm["treat_missing_data"] == "notBreaching", name
        assert alarm["alarm_actions"] == alarm["ok_actions"] == list(env.config.alarms.topic_arns), name


def test_topics_and_thresholds_come_from_the_environment_and_a_fixed_size_service_has_no_autoscaler_alarm(
    configs: dict[str, EnvironmentConfig], synthesized: dict[str, Synthesized], tmp_path: Path
) -> None:
    dev = configs["dev"]
    topic = "arn:aws:sns:us-east-1:111122223333:payments-oncall"
    payment = dev.services["payment"]
    fixed = payment.model_copy(update={"values": {**payment.values, "autoscaling": {"minReplicas": 3, "maxReplicas": 3}}})
    config = dev.model_copy(
        update={
            "alarms": dev.alarms.model_copy(update={"topic_arns": (topic,), "pod_restarts_per_5_minutes": 7}),
            "services": {**dev.services, "payment": fixed},
        }
    )
    changed = alarms(synthesize(config, tmp_path))
    for alarm in changed.values():
        assert alarm["alarm_actions"] == [topic]
    assert changed["tap-dev-payment-pod-restarts"]["threshold"] == 7
    # min == max: the autoscaler is always at its maximum; an alarm on it would never clear.
    assert "tap-dev-payment-hpa-at-max" not in changed and "tap-dev-payment-hpa-at-max" in alarms(synthesized["dev"])


def test_the_query_selects_by_every_tag_given() -> None:
    query = load_balancer_query("SUM", "RequestCount", {"Project": "tap-eks", "Environment": "dev"})
    assert query == (
        'SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer) '
        "WHERE tag.Environment = 'dev' AND tag.Project = 'tap-eks'"
    )
