"""A live cluster after both layers are applied. Needs KUBECONFIG (and TAP_OUTPUTS_FILE).

aws eks update-kubeconfig --name <cluster> --region <region> --kubeconfig ./kubeconfig
KUBECONFIG=./kubeconfig TAP_ENV=dev TAP_OUTPUTS_FILE=platform-outputs.json make cluster-checks
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from config.model import EnvironmentConfig

pytestmark = pytest.mark.integration

FARGATE_COMPUTE_LABEL = "eks.amazonaws.com/compute-type"


@pytest.fixture(scope="module")
def kube():
    path = os.environ.get("KUBECONFIG")
    if not path or not Path(path).is_file():
        pytest.skip("no cluster: set KUBECONFIG to a kubeconfig for the deployed cluster (see docs/operators.md)")
    from kubernetes import client, config

    config.load_kube_config(config_file=path)
    return client


def namespaces(deployed_config: EnvironmentConfig) -> list[str]:
    return ["kube-system", *(s.namespace for s in deployed_config.services.values())]


def test_every_pod_runs_on_fargate(kube, deployed_config: EnvironmentConfig) -> None:
    core = kube.CoreV1Api()
    fargate_nodes = {n.metadata.name for n in core.list_node().items if n.metadata.labels.get(FARGATE_COMPUTE_LABEL) == "fargate"}
    for namespace in namespaces(deployed_config):
        for pod in core.list_namespaced_pod(namespace).items:
            if pod.status.phase in ("Succeeded", "Failed"):
                continue
            assert pod.spec.node_name in fargate_nodes, f"{namespace}/{pod.metadata.name} is on {pod.spec.node_name}"


def deployment_available(kube, namespace: str, name: str) -> bool:
    deployment = kube.AppsV1Api().read_namespaced_deployment(name, namespace)
    wanted = deployment.spec.replicas or 0
    return wanted > 0 and (deployment.status.available_replicas or 0) >= wanted


def test_coredns_is_ready(kube) -> None:
    assert deployment_available(kube, "kube-system", "coredns")


def test_load_balancer_controller_is_available(kube) -> None:
    assert deployment_available(kube, "kube-system", "aws-load-balancer-controller")


def test_service_accounts_carry_their_role_arns(kube, outputs: dict[str, Any], deployed_config: EnvironmentConfig) -> None:
    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        account = core.read_namespaced_service_account(spec.service_account, spec.namespace)
        assert account.metadata.annotations["eks.amazonaws.com/role-arn"] == outputs["service_role_arns"][name]


def test_service_deployments_are_available_and_run_as_non_root(kube, deployed_config: EnvironmentConfig) -> None:
    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        assert deployment_available(kube, spec.namespace, name)
        for pod in core.list_namespaced_pod(spec.namespace, label_selector=f"app.kubernetes.io/instance={name}").items:
            assert pod.spec.security_context.run_as_non_root is True
            for container in pod.spec.containers:
                assert container.security_context.allow_privilege_escalation is False


def test_service_pods_run_the_deployed_image_from_the_platform_repository(
    kube, outputs: dict[str, Any], deployed_config: EnvironmentConfig
) -> None:
    """What `make preflight` checks before the apply: each image was pushed, so no pod waits on a pull."""
    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        (tag,) = deployed_config.deployed_image_tags[name]
        digest = spec.values["image"].get("digest")
        reference = f"{outputs['repository_urls'][name]}@{digest}" if digest else f"{outputs['repository_urls'][name]}:{tag}"
        for pod in core.list_namespaced_pod(spec.namespace, label_selector=f"app.kubernetes.io/instance={name}").items:
            assert {c.image for c in pod.spec.containers} == {reference}
            for status in pod.status.container_statuses or []:
                waiting = status.state.waiting.reason if status.state and status.state.waiting else None
                assert waiting not in ("ImagePullBackOff", "ErrImagePull"), f"{spec.namespace}/{pod.metadata.name}: {waiting}"


def test_ingresses_have_a_load_balancer_address(kube, deployed_config: EnvironmentConfig) -> None:
    networking = kube.NetworkingV1Api()
    for name, spec in deployed_config.services.items():
        if not spec.values.get("ingress", {}).get("enabled"):
            continue
        ingress = networking.read_namespaced_ingress(name, spec.namespace)
        addresses = ingress.status.load_balancer.ingress or []
        assert addresses and addresses[0].hostname.endswith(".elb.amazonaws.com"), f"{name} has no ALB address yet"


# --- issue 11: autoscaling, logging, isolation, rollouts --------------------------------------------


def wait_for(condition, *, timeout: float = 120, interval: float = 5):
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def test_metrics_server_is_available_with_two_replicas(kube) -> None:
    deployment = kube.AppsV1Api().read_namespaced_deployment("metrics-server", "kube-system")
    assert deployment.spec.replicas == 2
    assert deployment_available(kube, "kube-system", "metrics-server")


def test_metrics_api_answers_for_service_pods(kube, deployed_config: EnvironmentConfig) -> None:
    metrics = kube.CustomObjectsApi()
    for spec in deployed_config.services.values():
        listed = metrics.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", spec.namespace, "pods")
        assert listed["items"], f"no pod metrics in {spec.namespace}"


def test_every_hpa_has_current_cpu_metrics(kube, deployed_config: EnvironmentConfig) -> None:
    autoscaling = kube.AutoscalingV2Api()
    for name, spec in deployed_config.services.items():
        hpa = autoscaling.read_namespaced_horizontal_pod_autoscaler(name, spec.namespace)
        conditions = {c.type: c for c in hpa.status.conditions or []}
        assert conditions["ScalingActive"].status == "True", f"{name}: {conditions['ScalingActive'].message}"
        assert hpa.status.current_metrics, f"{name} has no current metrics"


def test_logs_arrive_for_every_namespace_on_fargate(aws, kube, deployed_config: EnvironmentConfig) -> None:
    import time

    logs = aws("logs")
    recent = (time.time() - 3600) * 1000
    for namespace in [*deployed_config.platform_fargate_namespaces, *(s.namespace for s in deployed_config.services.values())]:
        if not kube.CoreV1Api().list_namespaced_pod(namespace).items:
            continue
        group = deployed_config.fargate_log_group(namespace)
        streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True, limit=5)["logStreams"]
        assert streams and streams[0].get("lastEventTimestamp", 0) > recent, f"no recent logs in {group}"
        (event,) = logs.get_log_events(logGroupName=group, logStreamName=streams[0]["logStreamName"], limit=1)["events"]
        # The CRI parser took the runtime's prefix off, and the kubernetes filter added metadata.
        assert '"kubernetes"' in event["message"] and '"logtag"' in event["message"]


def probe_pod(name: str, target: str, port: int, public_ecr_mirror: str) -> dict:
    """A one-shot `nc -z` from a service namespace. It must be a pod the platform would run there: the
    `services` Fargate profile selects only pods with SERVICE_POD_LABEL (else it stays Pending, no node
    serves it), and its image comes through the ECR pull-through cache (the namespace's security
    groups open no internet path, and on Fargate the pod's own interface pulls its image)."""
    from config.fargate import SERVICE_POD_LABEL

    restricted = {
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "isolation-probe", SERVICE_POD_LABEL[0]: SERVICE_POD_LABEL[1]}},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "containers": [
                {
                    "name": "probe",
                    "image": f"{public_ecr_mirror}/docker/library/busybox:1.36",
                    "command": ["nc", "-z", "-w", "5", target, str(port)],
                    "securityContext": restricted,
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
                }
            ],
        },
    }


def connects(kube, namespace: str, target: str, port: int, name: str, public_ecr_mirror: str) -> bool:
    core = kube.CoreV1Api()
    core.create_namespaced_pod(namespace, probe_pod(name, target, port, public_ecr_mirror))
    try:
        phase = wait_for(lambda: core.read_namespaced_pod(name, namespace).status.phase in ("Succeeded", "Failed"), timeout=300)
        assert phase, f"{namespace}/{name} did not finish"
        return core.read_namespaced_pod(name, namespace).status.phase == "Succeeded"
    finally:
        core.delete_namespaced_pod(name, namespace)


def test_a_service_reaches_another_only_where_declared(kube, deployed_config: EnvironmentConfig, outputs: dict[str, Any]) -> None:
    from eks_platform.service_network import ServiceNetwork

    services = deployed_config.services
    for name, spec in services.items():
        for target, target_spec in services.items():
            if target == name:
                continue
            port = ServiceNetwork.of(target_spec).container_port
            # A pod IP, not the ClusterIP: the security group decides on the pod's own port.
            pods = kube.CoreV1Api().list_namespaced_pod(target_spec.namespace, label_selector=f"app.kubernetes.io/instance={target}")
            address = pods.items[0].status.pod_ip
            allowed = target in spec.reaches
            probe = f"probe-{target}"[:63]
            mirror = outputs["public_ecr_mirror"]
            assert connects(kube, spec.namespace, address, port, probe, mirror) is allowed, f"{name} -> {target}:{port}"


def test_service_pods_carry_their_security_groups_and_readiness_gates(kube, deployed_config: EnvironmentConfig, outputs) -> None:
    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        for pod in core.list_namespaced_pod(spec.namespace, label_selector=f"app.kubernetes.io/instance={name}").items:
            groups = pod.metadata.annotations.get("fargate.amazonaws.com/pod-sg", "")
            assert outputs["service_security_group_ids"][name] in groups and outputs["pod_security_group_id"] in groups
            if spec.values.get("ingress", {}).get("enabled"):
                gates = {g.condition_type for g in pod.spec.readiness_gates or []}
                assert any(g.startswith("target-health.elbv2.k8s.aws/") for g in gates), f"{name}: no readiness gate"


def test_service_pods_run_on_the_shared_services_profile(kube, deployed_config: EnvironmentConfig) -> None:
    """No profile per service: every service pod was scheduled by the wildcard `services` profile."""
    from config.fargate import SERVICES_PROFILE

    core = kube.CoreV1Api()
    for name, spec in deployed_config.services.items():
        for pod in core.list_namespaced_pod(spec.namespace, label_selector=f"app.kubernetes.io/instance={name}").items:
            assert pod.metadata.labels.get("eks.amazonaws.com/fargate-profile") == SERVICES_PROFILE, pod.metadata.name


def test_ingresses_of_one_group_share_one_load_balancer(kube, deployed_config: EnvironmentConfig) -> None:
    networking = kube.NetworkingV1Api()
    hostnames: dict[str, set[str]] = {}
    for name, spec in deployed_config.services.items():
        if not spec.values.get("ingress", {}).get("enabled"):
            continue
        ingress = networking.read_namespaced_ingress(name, spec.namespace)
        group = ingress.spec.ingress_class_name  # the platform's class names the group (IngressClassParams)
        if group and not group.endswith("-dedicated"):
            hostnames.setdefault(group, set()).update(a.hostname for a in ingress.status.load_balancer.ingress or [])
    for group, found in hostnames.items():
        assert len(found) == 1, f"{group}: {sorted(found)}"


def test_service_teams_cannot_create_ingresses_or_services_or_exec_where_protected(kube, deployed_config: EnvironmentConfig) -> None:
    """The API server's own answer for the service-team group (SubjectAccessReview), in each service namespace."""
    from kubernetes import client

    from config.access import team_group

    authorization = kube.AuthorizationV1Api()

    def allowed(namespace: str, verb: str, group: str, resource: str, subresource: str = "") -> bool:
        attributes = client.V1ResourceAttributes(namespace=namespace, verb=verb, group=group, resource=resource, subresource=subresource)
        review = client.V1SubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(user="service-team-check", groups=[team_group(namespace)], resource_attributes=attributes)
        )
        return authorization.create_subject_access_review(review).status.allowed

    for spec in deployed_config.services.values():
        namespace = spec.namespace
        assert allowed(namespace, "get", "", "pods", "log") and allowed(namespace, "patch", "apps", "deployments")
        assert not allowed(namespace, "create", "networking.k8s.io", "ingresses")
        assert not allowed(namespace, "create", "", "services")
        assert not allowed(namespace, "create", "rbac.authorization.k8s.io", "rolebindings")
        assert allowed(namespace, "create", "", "pods", "exec") is not deployed_config.protected


def test_load_balancer_access_logs_arrive_in_their_bucket(aws, kube, deployed_config: EnvironmentConfig) -> None:
    """ELB delivers into the bucket as configured (with Object Lock's default retention where it is set, which
    only a real account shows works with ELB's delivery); the first logs come within five minutes of traffic."""
    s3 = aws("s3")
    account = aws("sts").get_caller_identity()["Account"]
    bucket = f"{deployed_config.cluster_name}-alb-logs-{account}"
    found = s3.list_objects_v2(Bucket=bucket, Prefix=f"{deployed_config.cluster_name}/AWSLogs/{account}/", MaxKeys=1)
    assert found.get("KeyCount", 0) > 0, f"no access log in s3://{bucket}/ yet: send requests and wait five minutes"


# --- Container Insights and the alarms' metrics -------------------------------------------------


def test_the_collector_and_kube_state_metrics_run_on_fargate(kube) -> None:
    for name in ("container-insights", "kube-state-metrics"):
        assert deployment_available(kube, "amazon-cloudwatch", name), f"{name} is not available"
    for pod in kube.CoreV1Api().list_namespaced_pod("amazon-cloudwatch").items:
        assert pod.metadata.labels.get(FARGATE_COMPUTE_LABEL) == "fargate", pod.metadata.name


def test_the_collector_namespace_runs_in_its_own_security_group(kube, outputs: dict[str, Any]) -> None:
    """Every pod of amazon-cloudwatch carries the platform's Container Insights group (SecurityGroupPolicy), not the cluster group alone."""
    pods = [p for p in kube.CoreV1Api().list_namespaced_pod("amazon-cloudwatch").items if p.status.phase == "Running"]
    assert pods, "no running pod in amazon-cloudwatch"
    for pod in pods:
        groups = (pod.metadata.annotations or {}).get("fargate.amazonaws.com/pod-sg", "").split(",")
        assert outputs["container_insights_security_group_id"] in groups, f"{pod.metadata.name}: {groups}"


def collector_may(kube, verb: str, resource: str, subresource: str = "") -> bool:
    """What `kubectl auth can-i <verb> <resource>/<subresource> --as=<the collector's service account>` answers."""
    from config.observability import COLLECTOR_NAMESPACE, COLLECTOR_SERVICE_ACCOUNT

    review = kube.V1SubjectAccessReview(
        spec=kube.V1SubjectAccessReviewSpec(
            user=f"system:serviceaccount:{COLLECTOR_NAMESPACE}:{COLLECTOR_SERVICE_ACCOUNT}",
            groups=["system:serviceaccounts", f"system:serviceaccounts:{COLLECTOR_NAMESPACE}", "system:authenticated"],
            resource_attributes=kube.V1ResourceAttributes(verb=verb, resource=resource, subresource=subresource or None),
        )
    )
    return bool(kube.AuthorizationV1Api().create_subject_access_review(review).status.allowed)


def test_the_collector_reads_kubelet_metrics_but_cannot_exec_through_the_kubelet(kube) -> None:
    """nodes/proxy reaches the kubelet's exec endpoint: the collector must not hold it (nor exec or proxy to pods)."""
    assert collector_may(kube, "get", "nodes", "metrics") and collector_may(kube, "get", "nodes", "stats")
    assert collector_may(kube, "list", "nodes")
    for verb, resource, subresource in [
        ("get", "nodes", "proxy"),
        ("create", "nodes", "proxy"),
        ("create", "pods", "exec"),
        ("get", "pods", "proxy"),
        ("get", "secrets", ""),
    ]:
        assert not collector_may(kube, verb, resource, subresource), f"the collector may {verb} {resource}/{subresource}"


def test_the_collector_runs_the_pinned_release(kube, outputs: dict[str, Any]) -> None:
    """The image is pinned by tag (no digest published, workloads/data/adot_collector.json), pulled through the
    ECR pull-through cache; the digest the node resolved is what a digest pin would name."""
    import json

    from config.loader import REPO_ROOT

    pinned = json.loads((REPO_ROOT / "workloads" / "data" / "adot_collector.json").read_text())["release"]["image"]
    pods = kube.CoreV1Api().list_namespaced_pod("amazon-cloudwatch", label_selector="app.kubernetes.io/name=container-insights").items
    assert pods, "no collector pod"
    for pod in pods:
        (status,) = pod.status.container_statuses
        assert status.image == f"{outputs['public_ecr_mirror']}/{pinned.split('/', 1)[1]}", status.image
        assert "sha256:" in status.image_id, (status.image, status.image_id)


def test_kube_state_metrics_runs_the_charts_image_from_the_cache(kube, outputs: dict[str, Any]) -> None:
    """registry.k8s.io's kube-state-metrics image as the lock records it (the chart's default), pulled through the cache."""
    from config.pins import pin

    image = pin("kube-state-metrics")["image"]
    pods = kube.CoreV1Api().list_namespaced_pod("amazon-cloudwatch", label_selector="app.kubernetes.io/name=kube-state-metrics").items
    assert pods, "no kube-state-metrics pod"
    expected = f"{outputs['kubernetes_registry_mirror']}/{image['repository'].split('/', 1)[1]}:{image['tag']}"
    for pod in pods:
        assert {status.image for status in pod.status.container_statuses} == {expected}


def test_container_insights_receives_pod_metrics_for_every_service(aws, kube, deployed_config: EnvironmentConfig) -> None:
    """The collector scrapes each Fargate kubelet directly (<node IP>:10250/metrics/cadvisor, with its
    token, through its own security group) and writes EMF; CloudWatch turns it into ContainerInsights
    metrics per namespace (the first ones take a few minutes). Only a cluster shows that each
    kubelet's serving certificate verifies against the cluster CA at the node's address and that
    the security groups let the scrape through: no metrics for a namespace means one of them failed."""
    cloudwatch = aws("cloudwatch")

    def namespaces_with_metrics() -> set[str]:
        listed = cloudwatch.list_metrics(
            Namespace="ContainerInsights",
            MetricName="pod_memory_working_set",
            Dimensions=[{"Name": "ClusterName", "Value": deployed_config.cluster_name}],
        )["Metrics"]
        return {d["Value"] for m in listed for d in m["Dimensions"] if d["Name"] == "Namespace"}

    wanted = {s.namespace for s in deployed_config.services.values()}
    assert wanted <= wait_for(lambda: wanted <= namespaces_with_metrics() and namespaces_with_metrics(), timeout=600, interval=30) or set()


def test_the_alarms_metrics_arrive_with_the_dimensions_they_name(aws, kube, deployed_config: EnvironmentConfig) -> None:
    cloudwatch = aws("cloudwatch")
    cluster = deployed_config.cluster_name
    for name, spec in deployed_config.services.items():
        dimensions = [
            {"Name": "ClusterName", "Value": cluster},
            {"Name": "Namespace", "Value": spec.namespace},
            {"Name": "HorizontalPodAutoscaler", "Value": name},
        ]

        def listed(dimensions=dimensions):
            return cloudwatch.list_metrics(
                Namespace="tap-eks/kubernetes", MetricName="kube_horizontalpodautoscaler_spec_max_replicas", Dimensions=dimensions
            )["Metrics"]

        assert wait_for(listed, timeout=600, interval=30), f"no autoscaler metrics for {name} yet"


def test_the_load_balancer_alarms_query_sees_this_environments_load_balancers(aws, kube, deployed_config: EnvironmentConfig) -> None:
    """The load balancer alarms select by tag: this fails when 'resource tags for telemetry' is off in the account."""
    import contextlib
    import datetime as dt
    import urllib.request

    for name, spec in deployed_config.services.items():
        if spec.values.get("ingress", {}).get("enabled"):
            address = kube.NetworkingV1Api().read_namespaced_ingress(name, spec.namespace).status.load_balancer.ingress[0].hostname
            with contextlib.suppress(OSError):  # any answer counts as a request
                urllib.request.urlopen(f"http://{address}/", timeout=10)
    from eks_platform.alarm_targets import load_balancer_query, load_balancer_tags

    query = load_balancer_query("SUM", "RequestCount", load_balancer_tags(deployed_config.all_tags()))
    cloudwatch = aws("cloudwatch")

    def values():
        now = dt.datetime.now(dt.UTC)
        result = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "q", "Expression": query, "Period": 60}], StartTime=now - dt.timedelta(hours=3), EndTime=now
        )
        return result["MetricDataResults"][0]["Values"]

    assert wait_for(values, timeout=600, interval=30), (
        "the tag query found no requests: resource tags for telemetry is off in this account and Region "
        "(alarms.telemetry_tags: managed in exactly one environment there; docs/operations.md)"
    )


def test_every_heartbeat_counts_datapoints_from_its_source(aws, kube, deployed_config: EnvironmentConfig) -> None:
    """The heartbeat alarms page on silence; on a healthy cluster each one's query finds data (else it pages forever)."""
    import datetime as dt

    from eks_platform.alarm_targets import HEARTBEATS, heartbeat_query

    cloudwatch = aws("cloudwatch")
    for source, (namespace, metric, dimensions) in HEARTBEATS.items():
        query = heartbeat_query(namespace, metric, dimensions, deployed_config.cluster_name)

        def values(query=query):
            now = dt.datetime.now(dt.UTC)
            result = cloudwatch.get_metric_data(
                MetricDataQueries=[{"Id": "q", "Expression": query, "Period": 300}], StartTime=now - dt.timedelta(hours=1), EndTime=now
            )
            return result["MetricDataResults"][0]["Values"]

        assert wait_for(values, timeout=900, interval=60), f"{source}: no {metric} datapoint in an hour; its heartbeat alarm would page"
