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


# Zone IDs (`use1-az1`) name one physical zone in every account; zone names (`us-east-1a`) are
# mapped to zone IDs differently per account (AWS RAM user guide, "Availability Zone IDs for your
# AWS resources"). A zone ID starts with the region's code: the area and each word of the
# direction abbreviated (us-east-1 -> use1, ap-southeast-2 -> apse2, eu-central-1 -> euc1).
ZONE_NAME = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]", re.ASCII)
ZONE_ID = re.compile(r"[a-z]{3,}[0-9]+-az[0-9]+", re.ASCII)
DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "gov": "g",
    "iso": "i",
}
# EKS refuses control-plane subnets in these zones (EKS user guide, "View Amazon EKS networking
# requirements for VPC and subnets", subnet requirements; awsdocs/amazon-eks-user-guide at
# 4d52b4d05e3478582e7d10a73cbd9ba9194dd5f7, latest/ug/networking/network-reqs.adoc). A zone
# name may map to one of them in a given account: the network construct checks that at plan.
EKS_UNSUPPORTED_ZONE_IDS = {"us-east-1": "use1-az3", "us-west-1": "usw1-az2", "ca-central-1": "cac1-az3"}


def zone_kind(zone: str) -> str | None:
    if ZONE_NAME.fullmatch(zone):
        return "name"
    if ZONE_ID.fullmatch(zone):
        return "id"
    return None


def zone_id_prefix(region: str) -> str:
    """us-east-1 -> use1, ap-southeast-2 -> apse2, us-gov-west-1 -> usgw1."""
    area, *words, number = region.split("-")
    return area + "".join(DIRECTIONS.get(word, word[:1]) for word in words) + number


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
        kinds = {zone_kind(zone) for zone in value}
        if None in kinds:
            zone = next(zone for zone in value if zone_kind(zone) is None)
            raise ValueError(f"{zone!r} is neither a zone name like 'us-east-1a' nor a zone ID like 'use1-az1'")
        if len(kinds) > 1:
            raise ValueError("give three zone names or three zone IDs, not a mix")
        return value

    @property
    def zones_by_id(self) -> bool:
        """Zone IDs name the same physical zone in every account; names are mapped per account."""
        return zone_kind(self.availability_zones[0]) == "id"

    def check_zones_in(self, region: str) -> None:
        """Every zone belongs to the region (`<region><letter>` or `<region code>-az<n>`), and none is a
        zone EKS refuses control-plane subnets in: both fail only at apply otherwise."""
        code = zone_id_prefix(region)
        for zone in self.availability_zones:
            if self.zones_by_id and not re.fullmatch(re.escape(code) + "-az[0-9]+", zone, re.ASCII):
                raise ValueError(f"vpc.availability_zones: {zone!r} is not a zone ID of the region {region!r} ({code}-az1, {code}-az2 ...)")
            if not self.zones_by_id and not re.fullmatch(re.escape(region) + "[a-z]", zone, re.ASCII):
                raise ValueError(f"vpc.availability_zones: {zone!r} is not a zone of the region {region!r} ({region}a, {region}b ...)")
            if zone == EKS_UNSUPPORTED_ZONE_IDS.get(region):
                raise ValueError(
                    f"vpc.availability_zones: {zone!r}: EKS does not create control-plane network interfaces in this zone "
                    "(EKS user guide, subnet requirements): choose another zone ID"
                )

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
