"""The VPC and the API endpoint of an environment."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum

from pydantic import field_validator, model_validator

from config.rules import Frozen


class NatStrategy(StrEnum):
    """`single` shares one NAT gateway (cheap, one AZ can cut egress); `per_az` survives an AZ loss."""

    SINGLE = "single"
    PER_AZ = "per_az"


class VpcConfig(Frozen):
    cidr: str
    availability_zones: tuple[str, str, str]
    nat: NatStrategy

    @field_validator("cidr")
    @classmethod
    def _cidr_fits_six_subnets(cls, value: str) -> str:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as error:
            raise ValueError(f"{value!r} is not an IPv4 network in CIDR notation ({error})") from None
        if network.version != 4 or not 16 <= network.prefixlen <= 20:
            raise ValueError(f"{value!r} must be an IPv4 network from /16 to /20 (it is cut into six subnets: 3 public, 3 private)")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _three_distinct_zones(cls, value: tuple[str, str, str]) -> tuple[str, str, str]:
        if len(set(value)) != 3:
            raise ValueError("the three availability zones must be distinct")
        return value

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)


SECURITY_GROUP_ID = re.compile(r"sg-([0-9a-f]{8}|[0-9a-f]{17})")


class EndpointAccess(Frozen):
    """The private endpoint is always on; the public one is off or limited to listed CIDRs.

    The private endpoint answers only inside the VPC (and networks routed into it), and only
    what the EKS-created cluster security group admits: `private_access_cidrs` and
    `private_access_security_groups` (a VPN, a bastion, a CI runner) are admitted on 443.
    """

    public: bool = False
    public_cidrs: tuple[str, ...] = ()
    private_access_cidrs: tuple[str, ...] = ()
    private_access_security_groups: tuple[str, ...] = ()

    @field_validator("public_cidrs")
    @classmethod
    def _valid_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a network in CIDR notation") from None
        return value

    @field_validator("private_access_cidrs")
    @classmethod
    def _private_sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                network = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a network in CIDR notation") from None
            if network.version != 4 or network.prefixlen == 0:
                raise ValueError(f"{cidr!r}: list the IPv4 networks of a VPN, bastion or CI runner, not the whole address space")
        if len(set(value)) != len(value):
            raise ValueError("a CIDR is listed twice")
        return value

    @field_validator("private_access_security_groups")
    @classmethod
    def _private_security_groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for group in value:
            if not SECURITY_GROUP_ID.fullmatch(group):
                raise ValueError(f"{group!r} is not a security group id ('sg-' and 8 or 17 hex digits)")
        if len(set(value)) != len(value):
            raise ValueError("a security group is listed twice")
        return value

    @model_validator(mode="after")
    def _public_needs_cidrs(self) -> EndpointAccess:
        if self.public and not self.public_cidrs:
            raise ValueError("public_cidrs: must list at least one CIDR when public access is on (AWS reads an empty list as 0.0.0.0/0)")
        if not self.public and self.public_cidrs:
            raise ValueError("public_cidrs: must be empty while public access is off")
        return self
