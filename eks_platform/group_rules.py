"""One security group rule, in the one rule style the platform uses everywhere.

Every rule is an `aws_vpc_security_group_{ingress,egress}_rule` (the AWS provider warns that
mixing them with `aws_security_group_rule` or inline rules causes perpetual diffs and
overwritten rules). `described=False` (an emulator that reads back no description for a rule
to a group or prefix list) leaves the description out and says why to checkov.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from app_support.checkov_skips import skip_checks

KINDS = {"ingress": VpcSecurityGroupIngressRule, "egress": VpcSecurityGroupEgressRule}
PEER_ARGUMENTS = {"cidr_ipv4": "cidr_ipv4", "group_id": "referenced_security_group_id", "prefix_list_id": "prefix_list_id"}


def group_rule(
    scope: Construct,
    logical_id: str,
    *,
    direction: str,
    group: SecurityGroup | str,
    port: int,
    description: str,
    peer: Mapping[str, str],
    protocol: str = "tcp",
    describe_references: bool = True,
) -> VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule:
    """`peer` is one of {"cidr_ipv4": ...}, {"group_id": ...}, {"prefix_list_id": ...}."""
    ((peer_kind, value),) = peer.items()
    described = peer_kind == "cidr_ipv4" or describe_references
    rule = KINDS[direction](
        scope,
        logical_id,
        security_group_id=group if isinstance(group, str) else group.id,
        ip_protocol=protocol,
        from_port=port,
        to_port=port,
        **({"description": description} if described else {}),
        **{PEER_ARGUMENTS[peer_kind]: value},
    )
    if not described:
        reason = (
            f"only on the emulator, which reads back no description for a rule to a group or prefix list (emulator.omit."
            f"referenced_rule_descriptions); elsewhere this rule is described as '{description}'"
        )
        skip_checks(rule, {"CKV_AWS_23": reason})
    return rule
