"""The alarms a payment team pages on, as synthesized: what each watches, when it fires, whom it notifies."""

from __future__ import annotations

import json
import re
from pathlib import Path

from config.model import EnvironmentConfig
from config.observability import PLATFORM_METRICS_NAMESPACE
from eks_platform.alarm_targets import ServiceWatch, load_balancer_query
from tests.conftest import Synthesized, synthesize
from workloads.collector_config import ALARM_METRICS, collector_config


def alarms(env: Synthesized) -> dict[str, dict]:
    return {a["alarm_name"]: a for a in env.resources("platform", "aws_cloudwatch_metric_alarm").values()}


# The signal sources whose silence must page (issue 22): Container Insights' pod metrics, the
# kube-state-metrics pipeline, CoreDNS's metrics.
HEARTBEATS = ("container-insights-heartbeat", "cluster-state-heartbeat", "coredns-heartbeat")


def test_every_service_has_restart_and_autoscaler_alarms_and_the_cluster_its_own(env: Synthesized) -> None:
    cluster = env.config.cluster_name
    expected = {f"{cluster}-{name}" for name in ("alb-target-5xx", "alb-elb-5xx", "alb-latency", "coredns-servfail", *HEARTBEATS)}
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


def test_only_the_heartbeats_treat_missing_data_as_breaching(env: Synthesized) -> None:
    """Silence pages through the heartbeats, once; the other alarms read a missing datapoint as 'nothing happened'."""
    for name, alarm in alarms(env).items():
        expected = "breaching" if name.removeprefix(f"{env.config.cluster_name}-") in HEARTBEATS else "notBreaching"
        assert alarm["treat_missing_data"] == expected, name


def test_every_treat_missing_data_choice_has_its_reason_beside_it() -> None:
    """Each alarm states how missing data counts, with a comment saying why right above it."""
    lines = (Path(__file__).resolve().parents[2] / "eks_platform" / "alarms.py").read_text().splitlines()
    choices = [i for i, line in enumerate(lines) if line.strip().startswith("missing=")]
    assert len(choices) == sum("self._alarm(" in line for line in lines) >= 5  # one per call site
    for i in choices:
        assert lines[i - 1].strip().startswith("#"), lines[i]


def test_a_heartbeat_fires_when_its_source_wrote_nothing_for_fifteen_minutes(env: Synthesized) -> None:
    exporters = collector_config(cluster_name=env.config.cluster_name, region=env.config.region, namespace="amazon-cloudwatch")["exporters"]
    declared = {
        (exporter["namespace"], name, tuple(sorted(dimensions)))
        for exporter in exporters.values()
        for decl in exporter["metric_declarations"]
        for name in decl["metric_name_selectors"]
        for dimensions in decl["dimensions"]
    }
    for name in HEARTBEATS:
        alarm = alarms(env)[f"{env.config.cluster_name}-{name}"]
        assert alarm["comparison_operator"] == "LessThanThreshold" and alarm["threshold"] == 1
        assert alarm["evaluation_periods"] == alarm["datapoints_to_alarm"] == 3
        (query,) = alarm["metric_query"]
        assert query["period"] == 300 and query["return_data"] is True
        match = re.fullmatch(
            r'SELECT COUNT\((\w+)\) FROM SCHEMA\("([^"]+)", ([\w, ]+)\) WHERE ClusterName = \'([\w-]+)\'', query["expression"]
        )
        assert match, query["expression"]
        metric, namespace, dimensions, cluster = match.groups()
        assert cluster == env.config.cluster_name
        # The heartbeat counts a metric the collector really writes, with exactly that dimension set.
        assert (namespace, metric, tuple(sorted(dimensions.split(", ")))) in declared, name


def test_every_alarm_notifies_on_alarm_and_on_ok(env: Synthesized) -> None:
    expected = list(env.config.alarms.topic_arns)
    if env.config.alarms.create_topic:
        expected.append("${aws_sns_topic.alarm_topic_topic.arn}")
    for name, alarm in alarms(env).items():
        assert alarm["alarm_actions"] == alarm["ok_actions"] == expected, name


def test_prod_pages_someone_from_every_alarm(synthesized: dict[str, Synthesized]) -> None:
    prod = synthesized["prod"]
    assert prod.config.protected
    topics = prod.resources("platform", "aws_sns_topic")
    subscriptions = prod.resources("platform", "aws_sns_topic_subscription")
    assert subscriptions and all(s["topic_arn"] == "${aws_sns_topic.alarm_topic_topic.arn}" for s in subscriptions.values())
    for name, alarm in alarms(prod).items():
        assert alarm["alarm_actions"], name
        for action in alarm["alarm_actions"]:
            assert action.startswith("arn:aws:sns:") or action.removeprefix("${aws_sns_topic.").split(".")[0] in topics, name


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(synthesized: dict[str, Synthesized]) -> None:
    """CloudWatch needs kms:Decrypt and kms:GenerateDataKey* on the topic's key to publish to an encrypted
    topic (Amazon SNS Developer Guide, sns-key-management.html#compatibility-with-aws-services)."""
    prod = synthesized["prod"]
    (topic,) = prod.resources("platform", "aws_sns_topic").values()
    assert topic["name"] == f"{prod.config.cluster_name}-alarms"
    key_ref = topic["kms_master_key_id"]
    assert key_ref.startswith("${aws_kms_key.") and key_ref.endswith(".arn}")
    key = prod.resources("platform", "aws_kms_key")[key_ref.removeprefix("${aws_kms_key.").removesuffix(".arn}")]
    assert key["enable_key_rotation"] is True
    document_id = key["policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    statements = prod.data("platform", "aws_iam_policy_document")[document_id]["statement"]
    cloudwatch = [s for s in statements if any("cloudwatch.amazonaws.com" in p["identifiers"] for p in s.get("principals", []))]
    (statement,) = cloudwatch
    assert set(statement["actions"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    conditions = {c["variable"]: c for c in statement["condition"]}
    (source_arn,) = conditions["aws:SourceArn"]["values"]
    assert f":cloudwatch:{prod.config.region}:" in source_arn and source_arn.endswith(f":alarm:{prod.config.cluster_name}-*")
    assert conditions["aws:SourceAccount"]["test"] == "StringEquals"


def test_subscriptions_come_from_the_environment(configs: dict[str, EnvironmentConfig], synthesized: dict[str, Synthesized]) -> None:
    for name, env in synthesized.items():
        subscriptions = env.resources("platform", "aws_sns_topic_subscription")
        assert {(s["protocol"], s["endpoint"]) for s in subscriptions.values()} == {
            (sub.protocol, sub.endpoint) for sub in configs[name].alarms.subscriptions.values()
        }, name
        assert bool(env.resources("platform", "aws_sns_topic")) == configs[name].alarms.create_topic, name


def test_the_telemetry_tag_setting_is_managed_where_the_environment_says_so(synthesized: dict[str, Synthesized]) -> None:
    """The load balancer alarms select by tag; CloudWatch reads tags only with "resource tags for telemetry" on,
    declared through CloudFormation (AWS::ObservabilityAdmin::TelemetryEnrichment, Scope ACCOUNT)."""
    for name, env in synthesized.items():
        stacks = env.resources("platform", "aws_cloudformation_stack")
        managed = env.config.alarms.telemetry_tags == "managed" and env.config.emulator is None
        assert bool(stacks) == managed, name
        if managed:
            (stack,) = stacks.values()
            template = json.loads(stack["template_body"])
            (resource,) = template["Resources"].values()
            assert resource == {"Type": "AWS::ObservabilityAdmin::TelemetryEnrichment", "Properties": {"Scope": "ACCOUNT"}}
    assert synthesized["prod"].resources("platform", "aws_cloudformation_stack")


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
