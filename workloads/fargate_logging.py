"""Fargate's built-in log router: route each service namespace to its own CloudWatch log group.

Fargate reads the `aws-logging` ConfigMap in the `aws-observability` namespace when a pod
starts. The groups are the platform layer's (retention and KMS set there), so the router is
told never to create one.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_kubernetes.config_map_v1 import ConfigMapV1, ConfigMapV1Metadata
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from constructs import Construct

OBSERVABILITY_NAMESPACE = "aws-observability"
# Kubernetes metadata in each record, cached so the router does not query the API per line.
FILTERS = "[FILTER]\n    Name kubernetes\n    Match kube.*\n    Merge_Log On\n    Buffer_Size 0\n    Kube_Meta_Cache_TTL 300s\n"


def output_config(region: str, log_group_by_namespace: Mapping[str, str]) -> str:
    sections = []
    for namespace, group in log_group_by_namespace.items():
        sections.append(
            "\n".join(
                [
                    "[OUTPUT]",
                    "    Name cloudwatch_logs",
                    f"    Match kube.var.log.containers.*_{namespace}_*",
                    f"    region {region}",
                    f"    log_group_name {group}",
                    "    log_stream_prefix fargate-",
                    "    auto_create_group false",
                ]
            )
        )
    return "\n\n".join(sections) + "\n"


class FargateLogging(Construct):
    def __init__(self, scope: Construct, id_: str, *, region: str, log_group_by_namespace: Mapping[str, str]) -> None:
        super().__init__(scope, id_)
        namespace = NamespaceV1(
            self,
            "namespace",
            metadata=NamespaceV1Metadata(name=OBSERVABILITY_NAMESPACE, labels={"aws-observability": "enabled"}),
        )
        ConfigMapV1(
            self,
            "aws_logging",
            metadata=ConfigMapV1Metadata(name="aws-logging", namespace=namespace.metadata.name),
            data={
                "filters.conf": FILTERS,
                "output.conf": output_config(region, log_group_by_namespace),
                "flb_log_cw": "false",
            },
        )
