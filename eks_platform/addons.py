"""EKS add-ons at the version reviewed for the cluster's Kubernetes version (config/eks_addons.yaml).

A pinned version, never `most_recent`: an apply installs what the table says, and a newer add-on
arrives as a reviewed diff of the table, not as a side effect of an unrelated apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cdktf_cdktf_provider_aws.eks_addon import EksAddon
from cdktf_cdktf_provider_aws.eks_cluster import EksCluster
from cdktf_cdktf_provider_aws.eks_fargate_profile import EksFargateProfile
from constructs import Construct

# CoreDNS on a Fargate-only cluster: schedule on Fargate, and ask for what a Fargate pod
# is billed anyway (0.25 vCPU, 0.5 GB) so requests and the pod size agree.
#
# CoreDNS scales with the cluster through the add-on's own autoscaler (a control-plane
# component; replicas = max(nodes/16, cores/256) within these bounds). On Fargate every pod
# is a node, so it follows the number of pods. The add-on's configuration schema has the
# `autoScaling` key for Kubernetes 1.25 and later (EKS user guide, "Scale CoreDNS Pods for
# high DNS traffic"): on 1.29 from add-on v1.11.1-eksbuild.9 and platform version eks.7; on
# 1.30 and later in every add-on and platform version. Every version pinned in
# config/eks_addons.yaml is past that minimum (v1.11.4-eksbuild.24 on 1.29).
COREDNS_AUTOSCALING_SINCE = "1.25"
COREDNS_ON_FARGATE = {
    "computeType": "fargate",
    "resources": {"requests": {"cpu": "0.25", "memory": "256M"}, "limits": {"cpu": "0.25", "memory": "256M"}},
    "autoScaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 10},
}
# The managed add-ons and their configuration; their versions come from config/eks_addons.yaml,
# which says why kube-proxy and the VPC CNI are not among them on a Fargate-only cluster.
ADDONS: dict[str, dict | None] = {"coredns": COREDNS_ON_FARGATE}


class Addons(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, cluster: EksCluster, versions: Mapping[str, str], kube_system_profile: EksFargateProfile
    ) -> None:
        """`versions`: the pinned version of each add-on for the cluster's Kubernetes version."""
        super().__init__(scope, id_)
        self.addons: dict[str, EksAddon] = {}
        for name, configuration in ADDONS.items():
            self.addons[name] = EksAddon(
                self,
                name.replace("-", "_"),
                cluster_name=cluster.name,
                addon_name=name,
                addon_version=versions[name],
                configuration_values=json.dumps(configuration) if configuration else None,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                # CoreDNS pods stay Pending (and the add-on DEGRADED) until a profile can place them.
                depends_on=[kube_system_profile],
            )
