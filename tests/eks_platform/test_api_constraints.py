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
