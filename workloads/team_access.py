"""What a service team may do in its namespace: read, follow logs, restart a rollout; nothing more.

EKS's access policies are coarse (AmazonEKSEditPolicy in a namespace may create Ingresses,
Services of type LoadBalancer and exec into pods), so a service team's access entry carries a
Kubernetes group instead (eks_platform/cluster.py, config.access.team_group) and no access
policy; this Role, bound to that group in each service namespace, is all it holds.

- read: the namespace's workloads, pods, services, config maps, events, autoscalers, disruption
  budgets, Ingresses and SecurityGroupPolicies (never Secrets: their values are in Secrets
  Manager, and a Secret's data would show in a read);
- logs: `pods/log`;
- rollout restart: `patch` on Deployments (kubectl rollout restart patches the pod template's
  annotation). RBAC cannot limit a patch to that field, so a team can change its Deployment's
  spec too; the pods it starts are still held by Pod Security `restricted`, the namespace's
  SecurityGroupPolicy and the service account's IRSA role, and the next release resets the spec;
- exec and port-forward (`pods/exec`, `pods/portforward`) only in environments that are not
  protected (PCI DSS 7.2: no interactive access to cardholder-data pods by default).

Nothing here creates or changes Ingresses, Services, SecurityGroupPolicies or RBAC objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_kubernetes.role_binding_v1 import RoleBindingV1, RoleBindingV1Metadata, RoleBindingV1RoleRef, RoleBindingV1Subject
from cdktf_cdktf_provider_kubernetes.role_v1 import RoleV1, RoleV1Metadata, RoleV1Rule
from constructs import Construct

from config.access import team_group

ROLE_NAME = "service-team"
READ = ["get", "list", "watch"]
# (api group, resources, verbs): what every service team gets in its namespace.
TEAM_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("", ("pods", "services", "endpoints", "configmaps", "events", "serviceaccounts", "persistentvolumeclaims"), tuple(READ)),
    ("", ("pods/log",), ("get",)),
    ("apps", ("deployments", "replicasets", "statefulsets"), tuple(READ)),
    ("apps", ("deployments",), ("patch",)),
    ("autoscaling", ("horizontalpodautoscalers",), tuple(READ)),
    ("policy", ("poddisruptionbudgets",), tuple(READ)),
    ("networking.k8s.io", ("ingresses",), tuple(READ)),
    ("discovery.k8s.io", ("endpointslices",), tuple(READ)),
    ("events.k8s.io", ("events",), tuple(READ)),
    ("vpcresources.k8s.aws", ("securitygrouppolicies",), tuple(READ)),
)
# kubectl exec and port-forward: `create` on the subresource, and `get`, the verb some API server
# versions authorize the WebSocket upgrade of newer kubectl clients as.
INTERACTIVE_RULES = (("", ("pods/exec", "pods/portforward"), ("create", "get")),)


def team_rules(*, protected: bool) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return [*TEAM_RULES, *(() if protected else INTERACTIVE_RULES)]


class TeamAccess(Construct):
    """The Role and its RoleBinding in one service namespace."""

    def __init__(self, scope: Construct, id_: str, *, namespace: str, protected: bool, depends_on: Sequence) -> None:
        super().__init__(scope, id_)
        self.role = RoleV1(
            self,
            "role",
            metadata=RoleV1Metadata(name=ROLE_NAME, namespace=namespace),
            rule=[
                RoleV1Rule(api_groups=[group], resources=list(resources), verbs=list(verbs))
                for group, resources, verbs in team_rules(protected=protected)
            ],
            depends_on=list(depends_on),
        )
        self.binding = RoleBindingV1(
            self,
            "binding",
            metadata=RoleBindingV1Metadata(name=ROLE_NAME, namespace=namespace),
            role_ref=RoleBindingV1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=ROLE_NAME),
            subject=[RoleBindingV1Subject(kind="Group", name=team_group(namespace), api_group="rbac.authorization.k8s.io")],
            depends_on=[self.role],
        )
