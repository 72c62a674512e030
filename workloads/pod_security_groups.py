"""A SecurityGroupPolicy per service namespace: its pods get the service's own security groups.

Security groups for pods work natively on Fargate (the VPC resource controller in the EKS
control plane serves the `vpcresources.k8s.aws` API); a pod gets the groups when it is
scheduled, so the policy must exist before the release's pods (the release depends on it).
The groups and their rules are the platform's (eks_platform/service_security_groups.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_kubernetes.manifest import Manifest
from constructs import Construct

from config.quotas import SECURITY_GROUPS_PER_ENI

API_VERSION = "vpcresources.k8s.aws/v1beta1"


def security_group_policy(*, name: str, namespace: str, group_ids: Sequence[str]) -> dict:
    SECURITY_GROUPS_PER_ENI.check(len(group_ids), f"security groups on {namespace}'s pods (a Fargate pod has one network interface)")
    return {
        "apiVersion": API_VERSION,
        "kind": "SecurityGroupPolicy",
        "metadata": {"name": name, "namespace": namespace},
        # Every pod of the namespace, not only the chart's: a debug pod is segmented too.
        "spec": {"podSelector": {}, "securityGroups": {"groupIds": list(group_ids)}},
    }


class PodSecurityGroups(Construct):
    def __init__(self, scope: Construct, id_: str, *, service: str, namespace: str, group_ids: Sequence[str], depends_on: list) -> None:
        super().__init__(scope, id_)
        self.policy = Manifest(
            self,
            "policy",
            manifest=security_group_policy(name=f"{service}-pods", namespace=namespace, group_ids=group_ids),
            depends_on=depends_on,
        )
