"""Security groups for pods: each service's own, so services are segmented from one another.

Every Fargate pod would otherwise share the cluster security group, which admits all traffic
from itself; NetworkPolicy is not enforced on Fargate. The workloads stack attaches two
groups to each service's pods with a SecurityGroupPolicy (workloads/pod_security_groups.py):

- `pods`: shared by every service pod, with what any pod needs and nothing between pods:
  DNS to CoreDNS and HTTPS to the API server (both carry the cluster security group), HTTPS
  to AWS APIs, and the kubelet's port (10250) open to the cluster security group, through
  which the API server and metrics-server reach the kubelet in each Fargate micro-VM. It has
  no rule admitting itself. The cluster security group admits it on 53 and 443 (AWS: the
  pods' groups must allow the control plane and CoreDNS; adding the cluster group itself to
  the pods instead would re-open all pod-to-pod traffic through its self-referencing rule).
- `<service>`: its containerPort open to the ALB security group of its ingress scheme, and to
  the services that declare `reaches: [<service>]` in their service.yaml (with the matching
  egress on theirs). Nothing else reaches it.

The ALB groups, one per scheme, are the platform's: the chart names them in the Ingress
(`alb.ingress.kubernetes.io/security-groups`) and tells the controller not to manage backend
rules, since these groups already carry them. Rule counts stay within AWS's default 60 per
direction per group: the ALB groups' egress is one rule per distinct containerPort, and a
service's rules grow only with what it reaches and what reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.security_group_rule import SecurityGroupRule
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.service_network import ServiceNetwork

SCHEMES = ("internal", "internet-facing")
ATTACHED_OUTSIDE_TERRAFORM = (
    "attached outside this stack: to service pods by the workloads stack's SecurityGroupPolicy, and to ALBs by the "
    "load balancer controller through the Ingress annotation alb.ingress.kubernetes.io/security-groups"
)
KUBELET_PORT = 10250
DNS_PORT = 53
HTTPS = 443
HTTP = 80


class ServiceSecurityGroups(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        vpc_id: str,
        vpc_cidr: str,
        cluster_security_group_id: str | None,
        services: Mapping[str, ServiceNetwork],
    ) -> None:
        super().__init__(scope, id_)
        self._vpc_id = vpc_id
        self._cluster_name = cluster_name

        self.load_balancers = {
            scheme: self._group(f"alb_{scheme.replace('-', '_')}", f"alb-{scheme}", f"{scheme} ALBs") for scheme in SCHEMES
        }
        for scheme, group in self.load_balancers.items():
            sources = ["0.0.0.0/0"] if scheme == "internet-facing" else [vpc_cidr]
            for port in (HTTP, HTTPS):
                for index, cidr in enumerate(sources):
                    rule = self._ingress(f"alb_{scheme}_{port}_{index}", group, port, f"listener {port} from {cidr}", cidr_ipv4=cidr)
                    if scheme == "internet-facing" and port == HTTP:
                        skip_checks(
                            rule,
                            {
                                "CKV_AWS_260": "the internet-facing listener on 80 only redirects to HTTPS "
                                "(the chart requires a certificate and sets ssl-redirect for internet-facing Ingresses)"
                            },
                        )
            for port in sorted({s.container_port for s in services.values()}):
                self._egress(f"alb_{scheme}_to_pods_{port}", group, port, f"to service pods on {port}", cidr_ipv4=vpc_cidr)

        self.pods = self._group("pods", "pods", "every service pod: DNS, API server, AWS APIs, kubelet; never pod to pod")
        self._egress("pods_https", self.pods, HTTPS, "HTTPS to AWS APIs (VPC endpoints) and the API server", cidr_ipv4="0.0.0.0/0")
        if cluster_security_group_id is not None:
            for protocol in ("udp", "tcp"):
                self._egress(
                    f"pods_dns_{protocol}",
                    self.pods,
                    DNS_PORT,
                    f"DNS ({protocol}) to CoreDNS",
                    group_id=cluster_security_group_id,
                    protocol=protocol,
                )
                self._ingress(
                    f"cluster_dns_{protocol}_from_pods",
                    cluster_security_group_id,
                    DNS_PORT,
                    f"CoreDNS ({protocol}) for pods with their own security groups",
                    group_id=self.pods.id,
                    protocol=protocol,
                )
            self._ingress(
                "cluster_https_from_pods",
                cluster_security_group_id,
                HTTPS,
                "API server for pods with their own security groups",
                group_id=self.pods.id,
            )
            self._ingress(
                "pods_kubelet",
                self.pods,
                KUBELET_PORT,
                "kubelet from the API server and metrics-server",
                group_id=cluster_security_group_id,
            )

        self.services = {name: self._group(f"service_{name.replace('-', '_')}", f"svc-{name}", f"pods of {name}") for name in services}
        for name, network in services.items():
            group = self.services[name]
            # A service's rules are named `service_<name>_...` with the name as it is: a service name has no '_',
            # so '_from_' and '_to_' separate names unambiguously and no service name can produce a platform
            # rule's id (`cluster_https_from_pods`) or another pair's (`a-from-b` reaching `c`).
            if network.scheme is not None:
                self._ingress(
                    f"service_{name}_from_alb",
                    group,
                    network.container_port,
                    f"{network.scheme} ALB",
                    group_id=self.load_balancers[network.scheme].id,
                )
            for target in network.reaches:
                port = services[target].container_port
                self._egress(f"service_{name}_to_{target}", group, port, f"to {target}", group_id=self.services[target].id)
                self._ingress(f"service_{target}_from_{name}", self.services[target], port, f"from {name}", group_id=group.id)

    def _group(self, logical_id: str, suffix: str, purpose: str) -> SecurityGroup:
        name = f"{self._cluster_name}-{suffix}"
        # Rules are separate resources below; none inline, so Terraform never fights over them.
        group = SecurityGroup(self, logical_id, name=name, description=purpose, vpc_id=self._vpc_id, tags={"Name": name})
        skip_checks(group, {"CKV2_AWS_5": ATTACHED_OUTSIDE_TERRAFORM})
        return group

    def _ingress(self, logical_id: str, group: SecurityGroup | str, port: int, description: str, protocol: str = "tcp", **source: str):
        return self._rule("ingress", logical_id, group, port, description, protocol, source)

    def _egress(self, logical_id: str, group: SecurityGroup, port: int, description: str, protocol: str = "tcp", **destination: str):
        return self._rule("egress", logical_id, group, port, description, protocol, destination)

    def _rule(
        self, kind: str, logical_id: str, group: SecurityGroup | str, port: int, description: str, protocol: str, peer: Mapping[str, str]
    ) -> SecurityGroupRule:
        # aws_security_group_rule rather than aws_vpc_security_group_*_rule: the latter reads rules
        # back through DescribeSecurityGroupRules, which in moto loses the description of a rule
        # that references a group, so every re-plan on the emulator would show a change.
        ((peer_kind, value),) = peer.items()
        return SecurityGroupRule(
            self,
            logical_id,
            type=kind,
            security_group_id=group if isinstance(group, str) else group.id,
            description=description,
            protocol=protocol,
            from_port=port,
            to_port=port,
            **({"cidr_blocks": [value]} if peer_kind == "cidr_ipv4" else {"source_security_group_id": value}),
        )
