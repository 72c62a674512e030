"""docs/security.md rows 1 and 3 say what the groups on service pods *admit*, not only where they may go:
the shared `pods` group admits nothing but the kubelet's callers (the API server and metrics-server
through the cluster group, the Container Insights collector through its own group), and no group on
service pods admits an address range. The tests in test_isolation.py check egress and the services'
own ports; these check every ingress rule on those groups, so an added rule is a failure."""

from __future__ import annotations

from tests.conftest import Synthesized
from tests.eks_platform.test_isolation import CLUSTER_GROUP, PODS, group_ref, peer, rules, service_group

# The kubelet's port: Kubernetes "Ports and Protocols" (kubernetes.io/docs/reference/networking/ports-and-protocols/).
KUBELET_PORT = 10250
COLLECTOR_GROUP = group_ref("collector_network_group")


def test_the_shared_pods_group_admits_only_the_kubelets_callers(env: Synthesized) -> None:
    from config.model import EmulatorFeature

    admitted = {(r["ip_protocol"], r["from_port"], peer(r)) for r in rules(env, "ingress").values() if r["security_group_id"] == PODS}
    expected = {("tcp", KUBELET_PORT, ("referenced_security_group_id", COLLECTOR_GROUP))}
    if not env.config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP):
        expected.add(("tcp", KUBELET_PORT, ("referenced_security_group_id", CLUSTER_GROUP)))
    assert admitted == expected


def test_no_group_on_service_pods_admits_an_address_range(env: Synthesized) -> None:
    on_pods = {PODS, *(service_group(s) for s in env.config.services)}
    for name, rule in rules(env, "ingress").items():
        if rule["security_group_id"] in on_pods:
            assert peer(rule)[0] == "referenced_security_group_id", name
