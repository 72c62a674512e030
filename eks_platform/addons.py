"""EKS add-ons at the newest version AWS publishes for the cluster's Kubernetes version."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.data_aws_eks_addon_version import DataAwsEksAddonVersion
from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_aws.eks_cluster import EksCluster
from cdktf_cdktf_provider_aws.eks_fargate_profile import EksFargateProfile
from constructs import Construct

# CoreDNS on a Fargate-only cluster: schedule on Fargate, and ask for what a Fargate pod
# is billed anyway (0.25 vCPU, 0.5 GB) so requests and the pod size agree.
COREDNS_ON_FARGATE = {
    "computeType": "fargate",
    "resources": {"requests": {"cpu": "0.25", "memory": "256M"}, "limits": {"cpu": "0.25", "memory": "256M"}},
}
ADDONS: dict[str, dict | None] = {"vpc-cni": None, "kube-proxy": None, "coredns": COREDNS_ON_FARGATE}


class Addons(Construct):
    def __init__(self, scope: Construct, id_: str, *, cluster: EksCluster, kube_system_profile: EksFargateProfile) -> None:
        super().__init__(scope, id_)
        self.addons: dict[str, EksAddon] = {}
        for name, configuration in ADDONS.items():
            logical = name.replace("-", "_")
            version = DataAwsEksAddonVersion(
                self, f"{logical}_version", addon_name=name, kubernetes_version=cluster.version, most_recent=True
            )
            self.addons[name] = EksAddon(
                self,
                logical,
                cluster_name=cluster.name,
                addon_name=name,
                addon_version=version.version,
                configuration_values=json.dumps(configuration) if configuration else None,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                # CoreDNS pods stay Pending (and the add-on DEGRADED) until a profile can place them.
                depends_on=[kube_system_profile],
            )
