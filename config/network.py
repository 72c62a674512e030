"""The VPC and the API endpoint of an environment."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum

from pydantic import StrictBool, field_validator, model_validator

from config.rules import Frozen

# EKS accepts at most 40 public access CIDR blocks per cluster.
PUBLIC_CIDRS_MAX = 40
# A public endpoint list opening more addresses than this (a /8) is the internet in all but name;
# refused in every environment, however the list is split.
ANY_ENVIRONMENT_MAX_ADDRESSES = 2**24
# A protected environment opens its endpoint to at most this many addresses in total (a /20),
# enough for office and VPN egress ranges.
PROTECTED_MAX_ADDRESSES = 4096
# Ranges that are not on the internet: EKS refuses them for the public endpoint.
NON_PUBLIC_RANGES = tuple(
    ipaddress.IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # RFC 1918
        "192.168.0.0/16",  # RFC 1918
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and broadcast
    )
)


def addresses_opened(cidrs: tuple[str, ...]) -> int:
    """How many distinct addresses a CIDR list opens (overlaps counted once)."""
    networks = [ipaddress.IPv4Network(cidr) for cidr in cidrs]
    return sum(network.num_addresses for network in ipaddress.collapse_addresses(networks))


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
        for zone in value:
            if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9][a-z]", zone):
                raise ValueError(f"{zone!r} is not an availability zone name like 'us-east-1a' (zone IDs like 'use1-az1' are not accepted)")
        return value

    def check_zones_in(self, region: str) -> None:
        """Every zone is `<region><letter>`: a zone of another region fails only at apply."""
        for zone in self.availability_zones:
            if not re.fullmatch(re.escape(region) + "[a-z]", zone):
                raise ValueError(f"vpc.availability_zones: {zone!r} is not a zone of the region {region!r} ({region}a, {region}b ...)")

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

    public: StrictBool = False
    public_cidrs: tuple[str, ...] = ()
    private_access_cidrs: tuple[str, ...] = ()
    private_access_security_groups: tuple[str, ...] = ()

    @field_validator("public_cidrs")
    @classmethod
    def _valid_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) > PUBLIC_CIDRS_MAX:
            raise ValueError(f"EKS accepts at most {PUBLIC_CIDRS_MAX} public access CIDRs, got {len(value)}")
        for cidr in value:
            try:
                network = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a network in CIDR notation") from None
            if network.version != 4:
                raise ValueError(f"{cidr!r}: the public endpoint takes IPv4 CIDRs only (EKS refuses IPv6 ones)")
        opened = addresses_opened(value)
        if opened > ANY_ENVIRONMENT_MAX_ADDRESSES:
            raise ValueError(
                f"must not open the API endpoint to the whole internet: the list opens {opened} addresses, "
                f"at most {ANY_ENVIRONMENT_MAX_ADDRESSES} (a /8) in any environment, {PROTECTED_MAX_ADDRESSES} in a protected one"
            )
        for cidr in value:
            private = next((r for r in NON_PUBLIC_RANGES if r.overlaps(ipaddress.IPv4Network(cidr))), None)
            if private is not None:
                raise ValueError(
                    f"{cidr!r} overlaps {private}, which is not a public internet range (private, CGNAT, loopback, "
                    "link-local, multicast or reserved); the public endpoint only sees public source addresses"
                )
        return value

    @property
    def public_addresses(self) -> int:
        return addresses_opened(self.public_cidrs)

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
        opened = addresses_opened(value)
        if opened > ANY_ENVIRONMENT_MAX_ADDRESSES:
            raise ValueError(
                f"the list admits {opened} addresses to the API, at most {ANY_ENVIRONMENT_MAX_ADDRESSES} (a /8): "
                "name the networks of a VPN, bastion or CI runner, not the internet in parts"
            )
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
