"""The platform's IngressClasses: the load balancer controller accepts only these (the second lock).

Service teams cannot create Ingresses (workloads/team_access.py); should one appear anyway, the
controller reconciles only Ingresses of an IngressClass whose controller is `ingress.k8s.aws/alb`,
and each of ours carries IngressClassParams that pin its scheme, its IngressGroup and the
namespaces that may use it (the controller refuses an Ingress from any other namespace). The
controller's chart is told not to create its own parameterless `alb` class and to refuse the
`kubernetes.io/ingress.class` and `group.name` annotations, which would bypass the parameters
(workloads/alb_controller.py). Field names: the controller's CRD at v2.17.1, recorded in
workloads/data/alb_controller_ingress_class_facts.json.

The classes are a small chart of this repository (charts/ingress-classes) rather than
kubernetes_manifest resources: a manifest of a custom kind needs its CRD at plan time, and the
controller's chart installs that CRD in the same apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from constructs import Construct

from config.loader import REPO_ROOT
from config.model import EnvironmentConfig
from eks_platform.service_network import chart_values
from workloads.ingress_groups import group_name
from workloads.platform_release import platform_release

CHART_DIR = REPO_ROOT / "charts" / "ingress-classes"
RELEASE = "ingress-classes"
NAMESPACE = "kube-system"  # the chart's objects are cluster-scoped; Helm keeps its release record here


def ingress_class(scheme: str, dedicated: bool) -> str:
    """The class a service's Ingress names; the service chart derives the same name from its values."""
    return f"tap-{scheme}-dedicated" if dedicated else f"tap-{scheme}"


def class_values(cluster_name: str, ingresses: Mapping[str, tuple[str, str, bool]]) -> dict[str, Any]:
    """`ingresses`: service -> (namespace, scheme, dedicated). One class per (scheme, dedicated) in use,
    selecting exactly the namespaces of the services that use it; shared classes pin the group."""
    classes: dict[str, dict[str, Any]] = {}
    for namespace, scheme, dedicated in ingresses.values():
        name = ingress_class(scheme, dedicated)
        entry = classes.setdefault(
            name, {"scheme": scheme, "group": "" if dedicated else group_name(cluster_name, scheme), "namespaces": []}
        )
        entry["namespaces"] = sorted({*entry["namespaces"], namespace})
    return {"classes": dict(sorted(classes.items()))}


def service_ingresses(config: EnvironmentConfig) -> dict[str, tuple[str, str, bool]]:
    """Service -> (namespace, scheme, dedicated) of every service with an Ingress."""
    result = {}
    for service, spec in config.services.items():
        ingress = chart_values(spec).get("ingress") or {}
        if ingress.get("enabled"):
            result[service] = (spec.namespace, str(ingress["scheme"]), ingress.get("dedicated") is True)
    return result


class IngressClasses(Construct):
    def __init__(self, scope: Construct, id_: str, *, chart_path: str, values: Mapping[str, Any], depends_on: Sequence[Any] = ()) -> None:
        """`depends_on` must include the controller's release: it installs the IngressClassParams CRD."""
        super().__init__(scope, id_)
        self.release = platform_release(
            self, "release", name=RELEASE, namespace=NAMESPACE, chart=chart_path, values=values, depends_on=depends_on
        )
