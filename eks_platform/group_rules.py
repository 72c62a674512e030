"""Security groups and their rules, in the one style the platform uses everywhere.

A group is created bare (no inline rules, so Terraform never fights over them) and tagged with its
name; a group for pods says who attaches it, since nothing in the platform stack does (checkov
CKV2_AWS_5): the workloads stack's SecurityGroupPolicy.

Every rule is an `aws_vpc_security_group_{ingress,egress}_rule` (the AWS provider warns that
mixing them with `aws_security_group_rule` or inline rules causes perpetual diffs and
overwritten rules). `described=False` (an emulator that reads back no description for a rule
to a group or prefix list) leaves the description out and says why to checkov.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from app_support.checkov_skips import skip_checks

DNS_PORT = 53
HTTPS = 443
ATTACHED_BY_POLICY = "attached outside this stack: to {pods} by the workloads stack's SecurityGroupPolicy{where}"
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


def security_group(scope: Construct, logical_id: str, *, name: str, description: str, vpc_id: str) -> SecurityGroup:
    """A group whose rules are separate resources (group_rule), never inline."""
    return SecurityGroup(scope, logical_id, name=name, description=description, vpc_id=vpc_id, tags={"Name": name})


def pod_security_group(
    scope: Construct, logical_id: str, *, name: str, description: str, vpc_id: str, pods: str, where: str = ""
) -> SecurityGroup:
    """A group for `pods`, attached to them by a SecurityGroupPolicy of the workloads stack (`where`: how, in words)."""
    group = security_group(scope, logical_id, name=name, description=description, vpc_id=vpc_id)
    skip_checks(group, {"CKV2_AWS_5": ATTACHED_BY_POLICY.format(pods=pods, where=where)})
    return group


class GroupRules:
    """group_rule bound to the construct that owns the rules and to its emulator setting."""

    def __init__(self, scope: Construct, *, describe_references: bool) -> None:
        self._scope = scope
        self._describe_references = describe_references

    def ingress(
        self, logical_id: str, group: SecurityGroup | str, port: int, description: str, protocol: str = "tcp", **peer: str
    ) -> VpcSecurityGroupIngressRule:
        return self._rule("ingress", logical_id, group, port, description, protocol, peer)

    def egress(
        self, logical_id: str, group: SecurityGroup | str, port: int, description: str, protocol: str = "tcp", **peer: str
    ) -> VpcSecurityGroupEgressRule:
        return self._rule("egress", logical_id, group, port, description, protocol, peer)

    def _rule(
        self,
        direction: str,
        logical_id: str,
        group: SecurityGroup | str,
        port: int,
        description: str,
        protocol: str,
        peer: Mapping[str, str],
    ) -> Any:
        return group_rule(
            self._scope,
            logical_id,
            direction=direction,
            group=group,
            port=port,
            description=description,
            peer=peer,
            protocol=protocol,
            describe_references=self._describe_references,
        )
