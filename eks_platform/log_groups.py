"""CloudWatch log groups the platform owns, created before anything writes to them.

EKS and Fargate would create some of these on first write, without retention or KMS, and a
leftover group would then block re-creating the cluster. Creating them here avoids both.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from app_support.checkov_skips import skip_checks
from config.model import PROTECTED_LOG_RETENTION_DAYS
from config.observability import CONTAINER_INSIGHTS_LOG_KINDS, container_insights_log_group
from eks_platform.protection import keep


def log_router_group_name(cluster_name: str) -> str:
    return f"{cluster_name}-fluent-bit-logs"


class LogGroups(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        service_groups: Mapping[str, str],
        namespace_groups: Mapping[str, str],
        retention_days: int,
        kms_key_arn: str,
        flow_logs: bool,
        protected: bool = False,
    ) -> None:
        super().__init__(scope, id_)

        def group(logical_id: str, name: str) -> CloudwatchLogGroup:
            created = CloudwatchLogGroup(self, logical_id, name=name, retention_in_days=retention_days, kms_key_id=kms_key_arn)
            keep(created, protected=protected)
            if retention_days < PROTECTED_LOG_RETENTION_DAYS:
                # Protected environments must keep a year (enforced in config/model.py); this one is not protected.
                skip_checks(
                    created, {"CKV_AWS_338": f"an environment that is not protected: logs are kept {retention_days} days by configuration"}
                )
            return created

        # EKS writes control-plane logs to exactly this name.
        self.control_plane = group("control_plane", f"/aws/eks/{cluster_name}/cluster")
        self.flow_logs = group("vpc_flow_logs", f"/aws/vpc/{cluster_name}/flow-logs") if flow_logs else None
        # With flb_log_cw on, Fargate ships the log router's own logs to `<cluster>-fluent-bit-logs`
        # (EKS user guide, "Fargate logging"); created here, so the router needs no CreateLogGroup.
        self.log_router = group("fargate_log_router", log_router_group_name(cluster_name))
        # Fargate's log router writes each namespace's pods to its own group (workloads/fargate_logging.py):
        # one per service, keyed by service, and one per other namespace on Fargate (kube-system ...).
        self.workloads = {service: group(f"workload_{service}", name) for service, name in service_groups.items()}
        # The Container Insights collector writes its metrics here as embedded metric format
        # (workloads/container_insights.py); created here so its role needs no CreateLogGroup.
        self.container_insights = {
            kind: group(f"container_insights_{kind}", container_insights_log_group(cluster_name, kind))
            for kind in CONTAINER_INSIGHTS_LOG_KINDS
        }
        self.fargate_namespaces = {
            namespace: group(f"fargate_{namespace.replace('-', '_')}", name) for namespace, name in namespace_groups.items()
        }
