"""Security groups for pods: each service's own, so services are segmented from one another.

Every Fargate pod would otherwise share the cluster security group, which admits all traffic
from itself; NetworkPolicy is not enforced on Fargate. The workloads stack attaches two
groups to each service's pods with a SecurityGroupPolicy (workloads/pod_security_groups.py):

- `pods`: shared by every service pod, with what any pod needs and nothing between pods or to
  the internet: DNS to CoreDNS and HTTPS to the API server (both carry the cluster security
  group), HTTPS to the interface VPC endpoints' group and to S3's prefix list (image layers),
  and the kubelet's port (10250) open to the cluster security group, through which the API
  server and metrics-server reach the kubelet in each Fargate micro-VM. It has no rule
  admitting itself. The cluster security group admits it on 53 and 443 (AWS: the pods' groups
  must allow the control plane and CoreDNS; adding the cluster group itself to the pods
  instead would re-open all pod-to-pod traffic through its self-referencing rule).
- `<service>`: its containerPort open to the ALB security group of its ingress scheme, and to
  the services that declare `reaches: [<service>]` in their service.yaml (with the matching
  egress on theirs); HTTPS to the prefix lists of the gateway endpoints its permissions use
  (DynamoDB); and one egress rule per CIDR and port of its own `egress` list. Nothing else.

An ALB group exists only for a scheme some service's Ingress uses (else nothing would attach
it). The internet-facing one admits the internet on 80 and 443; the internal one admits only
`vpc.internal_clients` (networks outside the cluster: a VPN, an office), never the VPC, so
no pod reaches another service through the internal load balancer. In-cluster calls go pod to
pod, on the callee's port, as `reaches` allows. The chart names the ALB group in the Ingress
(`alb.ingress.kubernetes.io/security-groups`) and tells the controller not to manage backend
rules, since these groups already carry them.

Every rule is an aws_vpc_security_group_{ingress,egress}_rule (one peer each), the resource
the AWS provider recommends, and the only one used on any group of this platform: mixing it
with aws_security_group_rule on one group causes perpetual diffs and overwritten rules.
Rule counts stay within AWS's default 60 per direction per group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from constructs import Construct

from app_support.checkov_skips import skip_checks
from config.observability import KUBELET_PORT
from eks_platform.group_rules import DNS_PORT, HTTPS, GroupRules, pod_security_group, security_group
from eks_platform.service_network import ServiceNetwork
from eks_platform.vpc_endpoints import PLATFORM_GATEWAYS

SCHEMES = ("internal", "internet-facing")
POLICY_IN_EACH_NAMESPACE = " in each such namespace (workloads/pod_security_groups.py)"
ATTACHED_BY_CONTROLLER = (
    "attached outside this stack: by the load balancer controller to the {scheme} ALB, through the Ingress annotation "
    "alb.ingress.kubernetes.io/security-groups of the services that use this scheme ({services}); the group exists only "
    "while at least one does"
)
HTTP = 80


def key_of(text: str) -> str:
    """A Terraform-safe name: 203.0.113.0/24 -> 203_0_113_0_24, fraud-detection -> fraud_detection."""
    return "".join(c if c.isalnum() else "_" for c in text)


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
        endpoints_security_group_id: str,
        prefix_lists: Mapping[str, str],
        internal_clients: Sequence[str] = (),
        describe_references: bool = True,
    ) -> None:
        """`describe_references=False` (an emulator that loses them) leaves out the descriptions of rules whose
        peer is a security group or prefix list; `prefix_lists` maps a gateway endpoint service to its prefix list."""
        super().__init__(scope, id_)
        self._vpc_id = vpc_id
        self._cluster_name = cluster_name
        rules = GroupRules(self, describe_references=describe_references)
        self._ingress, self._egress = rules.ingress, rules.egress

        users = {scheme: sorted(name for name, s in services.items() if s.scheme == scheme) for scheme in SCHEMES}
        self.load_balancers: dict[str, SecurityGroup] = {}
        for scheme in (s for s in SCHEMES if users[s]):
            key = key_of(scheme)
            name = f"{cluster_name}-alb-{scheme}"
            group = security_group(self, f"alb_{key}", name=name, description=f"{scheme} ALBs", vpc_id=vpc_id)
            skip_checks(group, {"CKV2_AWS_5": ATTACHED_BY_CONTROLLER.format(scheme=scheme, services=", ".join(users[scheme]))})
            self.load_balancers[scheme] = group
            sources = ["0.0.0.0/0"] if scheme == "internet-facing" else list(internal_clients)
            for port in (HTTP, HTTPS):
                for cidr in sources:
                    rule = self._ingress(
                        f"alb_{key}_{port}_from_{key_of(cidr)}", group, port, f"listener {port} from {cidr}", cidr_ipv4=cidr
                    )
                    if scheme == "internet-facing" and port == HTTP:
                        skip_checks(
                            rule,
                            {
                                "CKV_AWS_260": "the internet-facing listener on 80 only redirects to HTTPS "
                                "(the chart requires a certificate and sets ssl-redirect for internet-facing Ingresses)"
                            },
                        )
            for port in sorted({services[name].container_port for name in users[scheme]}):
                self._egress(f"alb_{key}_to_pods_{port}", group, port, f"to service pods on {port}", cidr_ipv4=vpc_cidr)

        purpose = "every service pod: DNS, API server, VPC endpoints, kubelet; never pod to pod or internet"
        self.pods = self._pod_group("pods", "pods", purpose, whom="every service")
        self._egress("pods_https_endpoints", self.pods, HTTPS, "HTTPS to the interface VPC endpoints", group_id=endpoints_security_group_id)
        for api in PLATFORM_GATEWAYS:
            self._egress(f"pods_https_{api}", self.pods, HTTPS, f"HTTPS to {api} (gateway endpoint)", prefix_list_id=prefix_lists[api])
        if cluster_security_group_id is not None:
            self._cluster_rules(cluster_security_group_id)

        self.services = {
            name: self._pod_group(f"service_{key_of(name)}", f"svc-{name}", f"pods of {name}", whom=f"the service {name}")
            for name in services
        }
        for name, network in services.items():
            group = self.services[name]
            # A service's rules are named `service_<name>_...` with the name as it is: a service name has no '_',
            # so '_from_' and '_to_' separate names unambiguously and no service name can produce a platform
            # rule's id (`cluster_https_from_pods`) or another pair's (`a-from-b` reaching `c`).
            key = f"service_{name}"
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
                self._egress(f"{key}_to_{target}", group, port, f"to {target}", group_id=self.services[target].id)
                self._ingress(f"service_{target}_from_{name}", self.services[target], port, f"from {name}", group_id=group.id)
            for api in network.gateway_apis:
                if api not in PLATFORM_GATEWAYS:
                    self._egress(f"{key}_https_{api}", group, HTTPS, f"HTTPS to {api} (gateway endpoint)", prefix_list_id=prefix_lists[api])
            for cidr, port in network.egress:
                self._egress(
                    f"{key}_egress_{key_of(cidr)}_{port}", group, port, f"to {cidr} on {port} (service.yaml egress)", cidr_ipv4=cidr
                )

    def load_balancer_id(self, scheme: str) -> str:
        group = self.load_balancers.get(scheme)
        return group.id if group is not None else ""

    def _cluster_rules(self, cluster_group: str) -> None:
        """The pods group and the cluster security group (CoreDNS, the API server, the kubelet's callers)."""
        for protocol in ("udp", "tcp"):
            self._egress(
                f"pods_dns_{protocol}", self.pods, DNS_PORT, f"DNS ({protocol}) to CoreDNS", group_id=cluster_group, protocol=protocol
            )
            self._ingress(
                f"cluster_dns_{protocol}_from_pods",
                cluster_group,
                DNS_PORT,
                f"CoreDNS ({protocol}) for pods with their own security groups",
                group_id=self.pods.id,
                protocol=protocol,
            )
        self._egress("pods_https_api_server", self.pods, HTTPS, "HTTPS to the API server", group_id=cluster_group)
        self._ingress(
            "cluster_https_from_pods", cluster_group, HTTPS, "API server for pods with their own security groups", group_id=self.pods.id
        )
        self._ingress("pods_kubelet", self.pods, KUBELET_PORT, "kubelet from the API server and metrics-server", group_id=cluster_group)

    def _pod_group(self, logical_id: str, suffix: str, purpose: str, *, whom: str) -> SecurityGroup:
        return pod_security_group(
            self,
            logical_id,
            name=f"{self._cluster_name}-{suffix}",
            description=purpose,
            vpc_id=self._vpc_id,
            pods=f"the pods of {whom}",  # attached in each of their namespaces
            where=POLICY_IN_EACH_NAMESPACE,
        )
