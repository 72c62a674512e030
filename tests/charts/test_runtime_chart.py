"""Issue 11 in the chart: rollouts that drain before a pod stops; the platform's load balancer settings."""

from __future__ import annotations

from typing import Any

import pytest

from workloads.service_chart import release_values, render

Manifests = dict[tuple[str, str], list[dict[str, Any]]]


def only(manifests: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [m for m in manifests if m["kind"] == kind]
    return found


def test_pods_outlast_the_target_groups_deregistration_delay(rendered: Manifests) -> None:
    for key, manifests in rendered.items():
        pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        command = container["lifecycle"]["preStop"]["exec"]["command"]
        assert command[0] == "sleep", key
        pre_stop = int(command[1])
        ingresses = [m for m in manifests if m["kind"] == "Ingress"]
        for ingress in ingresses:
            attributes = ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/target-group-attributes"]
            (delay,) = [int(v) for k, v in (a.split("=") for a in attributes.split(",")) if k == "deregistration_delay.timeout_seconds"]
            assert pre_stop > delay, key
        assert pod["terminationGracePeriodSeconds"] > pre_stop, key


def test_ingress_uses_the_platforms_security_group_and_attributes_when_given(configs) -> None:
    service = configs["dev"].services["payment"]
    values = release_values(service, "example.com/payment")
    values["loadBalancer"] = {
        "securityGroupId": "sg-0123456789abcdef0",
        "attributes": "routing.http.drop_invalid_header_fields.enabled=true,deletion_protection.enabled=false",
    }
    files = render(values, release="payment", namespace="payment")
    import yaml

    (ingress,) = [d for t in files.values() for d in yaml.safe_load_all(t) if d and d["kind"] == "Ingress"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/security-groups"] == "sg-0123456789abcdef0"
    assert annotations["alb.ingress.kubernetes.io/manage-backend-security-group-rules"] == "false"
    attributes = annotations["alb.ingress.kubernetes.io/load-balancer-attributes"]
    assert attributes.startswith("routing.http.drop_invalid_header_fields.enabled=true")


@pytest.mark.parametrize(
    ("shutdown", "message"),
    [
        ({"deregistrationDelaySeconds": 60, "preStopSleepSeconds": 40}, "must exceed shutdown.deregistrationDelaySeconds"),
        ({"preStopSleepSeconds": 70, "terminationGracePeriodSeconds": 60}, "must exceed shutdown.preStopSleepSeconds"),
    ],
)
def test_shutdown_order_is_enforced(configs, shutdown: dict[str, int], message: str) -> None:
    import helm_python as helm

    values = release_values(configs["dev"].services["payment"], "example.com/payment")
    values["shutdown"] = {**values.get("shutdown", {}), **shutdown}
    with pytest.raises(helm.HelmError, match=message):
        render(values, release="payment", namespace="payment")
