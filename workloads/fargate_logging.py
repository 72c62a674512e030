"""Fargate's built-in log router: every namespace's pods to its own CloudWatch log group.

Fargate reads the `aws-logging` ConfigMap in the `aws-observability` namespace when a pod
starts (a pod started before it exists is not logged until restarted, hence the ordering in
workloads/stack.py). The configuration follows the EKS user guide ("Start AWS Fargate logging
for your cluster"): a CRI parser strips the `<time> <stream> <P|F>` prefix the runtime writes,
the kubernetes filter adds pod metadata and merges JSON logs into the record, and
`flb_log_cw` ships the router's own errors to CloudWatch so a failing route is visible.

One output serves every namespace, so the ConfigMap does not grow with the number of
services (AWS caps it at 5,300 characters): `log_group_template` names the group from the
record's namespace, `<prefix><namespace>`. Every such group is created by the platform with
retention and KMS (eks_platform/log_groups.py), so the router is told never to create one;
`log_group_name`, used only when a record has no namespace, is kube-system's group.
"""

from __future__ import annotations

from cdktf_cdktf_provider_kubernetes.config_map_v1 import ConfigMapV1, ConfigMapV1Metadata
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from constructs import Construct

OBSERVABILITY_NAMESPACE = "aws-observability"
# AWS's limit on the whole ConfigMap's data (EKS user guide: "Can't exceed 5300 characters").
CONFIG_MAP_MAX_CHARACTERS = 5300

PARSERS = """[PARSER]
    Name crio
    Format Regex
    Regex ^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>P|F) (?<log>.*)$
    Time_Key time
    Time_Format %Y-%m-%dT%H:%M:%S.%L%z
"""
# The parser first (CRI prefix off), then Kubernetes metadata, cached so the router does not
# query the API server per line; Merge_Log lifts a JSON log line's fields into the record.
FILTERS = """[FILTER]
    Name parser
    Match *
    Key_name log
    Parser crio
[FILTER]
    Name kubernetes
    Match kube.*
    Merge_Log On
    Keep_Log Off
    Buffer_Size 0
    Kube_Meta_Cache_TTL 300s
"""


def output_config(*, region: str, log_group_prefix: str, fallback_log_group: str) -> str:
    return (
        "\n".join(
            [
                "[OUTPUT]",
                "    Name cloudwatch_logs",
                "    Match kube.*",
                f"    region {region}",
                f"    log_group_name {fallback_log_group}",
                f"    log_group_template {log_group_prefix}$kubernetes['namespace_name']",
                "    log_stream_prefix fargate-",
                "    auto_create_group false",
            ]
        )
        + "\n"
    )


def logging_data(*, region: str, log_group_prefix: str, fallback_log_group: str) -> dict[str, str]:
    """The ConfigMap's data; refused at synth if AWS would reject it for its size."""
    data = {
        "flb_log_cw": "true",
        "parsers.conf": PARSERS,
        "filters.conf": FILTERS,
        "output.conf": output_config(region=region, log_group_prefix=log_group_prefix, fallback_log_group=fallback_log_group),
    }
    size = sum(len(key) + len(value) for key, value in data.items())
    if size > CONFIG_MAP_MAX_CHARACTERS:
        raise ValueError(f"the Fargate logging ConfigMap would be {size} characters; AWS accepts at most {CONFIG_MAP_MAX_CHARACTERS}")
    return data


class FargateLogging(Construct):
    def __init__(self, scope: Construct, id_: str, *, region: str, log_group_prefix: str, fallback_log_group: str) -> None:
        super().__init__(scope, id_)
        self.namespace = NamespaceV1(
            self,
            "namespace",
            metadata=NamespaceV1Metadata(name=OBSERVABILITY_NAMESPACE, labels={"aws-observability": "enabled"}),
        )
        self.config_map = ConfigMapV1(
            self,
            "aws_logging",
            metadata=ConfigMapV1Metadata(name="aws-logging", namespace=self.namespace.metadata.name),
            data=logging_data(region=region, log_group_prefix=log_group_prefix, fallback_log_group=fallback_log_group),
        )
