"""Arguments AWS refuses and the emulator accepts: checked on the synthesized JSON of every environment.

Moto stores any string; EC2 does not. The character sets below are EC2's, from the Amazon EC2
API Reference (read 2026-12-05 through the search tool's docs corpus):
- CreateSecurityGroup, GroupName and GroupDescription: "Up to 255 characters in length. Valid
  characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*" (also in the SDKs generated from
  the API model, e.g. AWS SDK for .NET v4 CreateSecurityGroupRequest);
- a rule's description (IpRange, SecurityGroupRuleRequest, AuthorizeSecurityGroupIngress /
  Egress): "Up to 255 characters in length. Allowed characters are a-z, A-Z, 0-9, spaces, and
  ._-:/()#,@[]+=;{}!$*" (no `&`).
An apostrophe ("this environment's") or a non-ASCII dash in a description is the typical slip.
"""

from __future__ import annotations

import re

from config.model import EmulatorFeature
from tests.conftest import Synthesized

GROUP_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")
RULE_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]{0,255}")
RULE_KINDS = ("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_security_group_rule")


def test_security_group_names_and_descriptions_use_only_what_ec2_accepts(env: Synthesized) -> None:
    refused = {
        f"{name}.{field}": group[field]
        for name, group in env.resources("platform", "aws_security_group").items()
        for field in ("name", "description")
        if field in group and "${" not in group[field] and not GROUP_TEXT.fullmatch(group[field])
    }
    assert not refused, f"CreateSecurityGroup refuses these: {refused}"
    assert not any(group.get("name", "").startswith("sg-") for group in env.resources("platform", "aws_security_group").values())


def test_security_group_rule_descriptions_use_only_what_ec2_accepts(env: Synthesized) -> None:
    refused = {
        f"{kind}.{name}": rule["description"]
        for kind in RULE_KINDS
        for name, rule in env.resources("platform", kind).items()
        if "description" in rule and "${" not in rule["description"] and not RULE_TEXT.fullmatch(rule["description"])
    }
    assert not refused, f"EC2 refuses these rule descriptions: {refused}"


def test_the_character_sets_refuse_the_usual_slips() -> None:
    """The patterns themselves: an apostrophe, a non-ASCII dash, `&` in a rule, 256 characters."""
    assert not GROUP_TEXT.fullmatch("this environment's pods")
    assert not RULE_TEXT.fullmatch("pods \u2013 DNS")
    assert GROUP_TEXT.fullmatch("a & b") and not RULE_TEXT.fullmatch("a & b")
    assert not RULE_TEXT.fullmatch("x" * 256) and RULE_TEXT.fullmatch("x" * 255)


def test_every_interface_endpoint_checks_at_plan_that_its_service_is_offered_in_the_zones(env: Synthesized) -> None:
    """CreateVpcEndpoint refuses a subnet in a zone the service is not offered in (AWS Knowledge
    Center, interface-endpoint-availability-zone; AWS CDK InterfaceVpcEndpoint `lookupSupportedAzs`):
    each endpoint reads its service's zones and a precondition stops the plan before any create."""
    endpoints = {name: e for name, e in env.resources("platform", "aws_vpc_endpoint").items() if e["vpc_endpoint_type"] == "Interface"}
    services = env.data("platform", "aws_vpc_endpoint_service")
    if env.config.omits(EmulatorFeature.VPC_ENDPOINT_SERVICE_ZONES):
        assert not services and not any("lifecycle" in e for e in endpoints.values())
        return
    assert endpoints
    for name, endpoint in endpoints.items():
        (precondition,) = endpoint["lifecycle"]["precondition"]
        (service,) = [key for key in services if f"data.aws_vpc_endpoint_service.{key}." in precondition["condition"]]
        assert services[service]["service_name"] == endpoint["service_name"], name
        assert services[service]["service_type"] == "Interface"
        if not env.config.vpc.zones_by_id:
            for zone in env.config.vpc.availability_zones:
                assert f'"{zone}"' in precondition["condition"], (name, zone)
        assert endpoint["service_name"] in precondition["error_message"]
