"""The Container Insights namespace's own security group: what the collector may reach, and who admits it.

Without a SecurityGroupPolicy the collector's namespace runs in the cluster security group, which
admits itself on every port: the collector (and anything else started in `amazon-cloudwatch`)
could reach every pod that carries that group. The workloads stack attaches this group instead
(workloads/container_insights.py), and it opens only what the collector and kube-state-metrics
need (docs/container-insights.md, "Network"):

- the kubelet (10250) of every Fargate node: service pods carry the shared `pods` group,
  kube-system pods the cluster group, this namespace's own pods this group;
- kube-state-metrics (8080, in this namespace, so in this group) and CoreDNS's metrics (9153,
  cluster group); DNS to CoreDNS and HTTPS to the API server (both cluster group);
- HTTPS to the VPC endpoints' group (CloudWatch Logs for awsemf, STS for IRSA, ECR) and to the S3
  gateway endpoint's prefix list: on Fargate the pod's own interface pulls its image, and ECR serves
  image layers from S3 (images come from the ECR pull-through cache, image_mirror.py).

No rule names an internet address. The groups on the other side admit this one on the same
ports; those rules live here, so the modules that own those groups only wire this one in.
The kubelet of this namespace's pods admits the cluster group (API server: logs, exec for
operators; metrics-server) and this group (the collector scraping its own node).
"""

from __future__ import annotations

from constructs import Construct

from config.observability import COREDNS_METRICS_PORT, KUBE_STATE_METRICS_PORT, KUBELET_PORT
from eks_platform.group_rules import DNS_PORT, HTTPS, GroupRules, pod_security_group


class CollectorNetwork(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        vpc_id: str,
        cluster_security_group_id: str | None,
        pods_security_group_id: str,
        vpc_endpoints_security_group_id: str,
        s3_prefix_list_id: str,
        describe_references: bool = True,
    ) -> None:
        """`cluster_security_group_id` is None where the cluster has none (the emulator): its rules are left out.
        `describe_references=False`: an emulator that loses rule descriptions (eks_platform/group_rules.py)."""
        super().__init__(scope, id_)
        self._rules = GroupRules(self, describe_references=describe_references)
        self.group = pod_security_group(
            self,
            "group",
            name=f"{cluster_name}-container-insights",
            description="Container Insights collector and kube-state-metrics: kubelets, metrics ports, DNS, API server, AWS APIs",
            vpc_id=vpc_id,
            pods="the amazon-cloudwatch namespace's pods",
        )
        own = self.group.id

        # This namespace's own pods: the collector scrapes kube-state-metrics and its own nodes' kubelets.
        self._both("self_kubelet", own, own, KUBELET_PORT, "kubelet of amazon-cloudwatch pods")
        self._both("self_kube_state_metrics", own, own, KUBE_STATE_METRICS_PORT, "kube-state-metrics")
        # Every service pod's kubelet, through the group all service pods share.
        self._both("pods_kubelet", own, pods_security_group_id, KUBELET_PORT, "kubelet of service pods")
        self._egress("vpc_endpoints_https", own, vpc_endpoints_security_group_id, HTTPS, "CloudWatch Logs, STS, ECR (VPC endpoints)")
        # Image layers: ECR hands out S3 URLs, reached through the S3 gateway endpoint (its prefix list, not an address range).
        self._rules.egress(
            "to_s3_gateway_https", own, HTTPS, "Image layers from S3 (gateway endpoint prefix list)", prefix_list_id=s3_prefix_list_id
        )

        if cluster_security_group_id is not None:
            cluster = cluster_security_group_id
            self._both("cluster_kubelet", own, cluster, KUBELET_PORT, "kubelet of kube-system pods (cluster group)")
            self._both("cluster_coredns_metrics", own, cluster, COREDNS_METRICS_PORT, "CoreDNS metrics")
            self._both("cluster_https", own, cluster, HTTPS, "API server")
            for protocol in ("udp", "tcp"):
                self._both(f"cluster_dns_{protocol}", own, cluster, DNS_PORT, f"DNS ({protocol}) to CoreDNS", protocol)
            # The API server (logs, exec for operators) and metrics-server reach this namespace's kubelets.
            self._rules.ingress(
                "kubelet_from_cluster", own, KUBELET_PORT, "kubelet from the API server and metrics-server", group_id=cluster
            )

    def _both(self, key: str, source: str, target: str, port: int, what: str, protocol: str = "tcp") -> None:
        """Egress from `source` to `target` and the matching ingress on `target`: a security group checks both ends."""
        self._egress(key, source, target, port, what, protocol)
        self._rules.ingress(f"{key}_from_collector", target, port, f"Container Insights collector to {what}", protocol, group_id=source)

    def _egress(self, key: str, source: str, target: str, port: int, what: str, protocol: str = "tcp") -> None:
        self._rules.egress(f"to_{key}", source, port, what, protocol, group_id=target)
