"""Rules shared by many fields: name formats and the limits AWS and Kubernetes enforce.

Every message states its rule and limit, so that `loader` can report "file: field: rule" on
one line. Every pattern is matched in full (re.fullmatch): `$` would accept a trailing newline.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

# Length limits of AWS and Helm names live with the other limits (config/quotas.py), each beside its source.
from config.quotas import HELM_RELEASE_NAME_MAX as HELM_RELEASE_NAME_MAX
from config.quotas import IAM_ROLE_NAME_MAX as IAM_ROLE_NAME_MAX

DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
ECR_REPOSITORY = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*")
AWS_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")
IAM_PRINCIPAL_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9_+=,.@/-]+")
# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
ECR_REPOSITORY_NAME_MAX = 256
# Audit logs of a protected (payment) environment are kept a year: PCI DSS requirement 10.5.1.
PROTECTED_LOG_RETENTION_DAYS = 365

# AWS tags (the rules every service shares): at most 50 per resource, keys 1-128 and values
# 0-256 Unicode characters of letters, digits, spaces and _ . : / = + - @, no `aws:` prefix.
AWS_MAX_TAGS_PER_RESOURCE = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAG_CHARACTERS = re.compile(r"[A-Za-z0-9_ .:/=+\-@]*")

# Kubernetes labels: an optional DNS-subdomain prefix (at most 253) and '/', then a name of at
# most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric; values the same or empty.
LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
LABEL_NAME_MAX = 63
# EKS: a Fargate profile selector matches on at most 5 labels.

S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
S3_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# Characters S3 documents as safe in object keys; state keys and prefixes are built from them.
S3_KEY_SEGMENT = re.compile(r"[A-Za-z0-9!_.*'()-]+")


# A service's own internet egress (services/<name>/service.yaml `egress`): a range wider than a /8 is
# the internet in all but name, refused everywhere; a protected environment allows at most /24s,
# few of them (PCI DSS 1.3.2: outbound traffic from the cardholder data environment is limited to
# what is necessary).
EGRESS_MIN_PREFIX = 8
PROTECTED_EGRESS_MIN_PREFIX = 24
PROTECTED_EGRESS_RULES_MAX = 4
# Security groups hold 60 rules per direction by default; a service's own egress stays far below.
EGRESS_RULES_MAX = 20


def ipv4_network(value: str, *, min_prefix: int, what: str) -> ipaddress.IPv4Network:
    """One IPv4 network in CIDR notation, no wider than `/min_prefix` (so never 0.0.0.0/0 or a slice of the internet)."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"{value!r} is not a network in CIDR notation (like 203.0.113.0/24, host bits zero)") from None
    if network.version != 4:
        raise ValueError(f"{value!r}: {what} takes IPv4 networks only")
    if network.prefixlen < min_prefix:
        raise ValueError(f"{value!r} is wider than a /{min_prefix}: {what} names networks, never the internet or a slice of it")
    return network


def dns_label(value: str, *, max_length: int = 63) -> str:
    if len(value) > max_length or not DNS1123_LABEL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label (lower-case letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {max_length} characters)"
        )
    return value


ENVIRONMENT_SUFFIX = re.compile(r"[a-z0-9]{1,12}")


def environment_suffix(value: str) -> str:
    """Names are `<name>-<suffix>` (tables, queues ...) and `tap-<suffix>-<name>` (roles, groups): with no '-' in a
    suffix, each such name splits one way only, so no environment's name can be another's (`x-eu` in dev and
    `x` in `eu-dev` would both be the table `x-eu-dev`)."""
    if not ENVIRONMENT_SUFFIX.fullmatch(value):
        raise ValueError(
            f"{value!r} must be 1 to 12 lower-case letters and digits, no '-' (names are <name>-<suffix> and "
            "tap-<suffix>-<name>: a '-' would let one environment's names be another's)"
        )
    return value


DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def dns1035_label(value: str, *, max_length: int = 63) -> str:
    """A Kubernetes Service name (the chart names the Service after the release): a DNS-1035 label, which starts with a letter."""
    if len(value) > max_length or not DNS1035_LABEL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a DNS-1035 label (lower-case letters, digits and '-', starting with a letter and ending with a "
            f"letter or digit, at most {max_length} characters): it names the service's Kubernetes Service"
        )
    return value


def dns_subdomain(value: str) -> str:
    if len(value) > 253 or not DNS1123_SUBDOMAIN.fullmatch(value):
        raise ValueError(f"{value!r} is not a DNS-1123 subdomain (lower-case labels separated by '.', at most 253 characters)")
    return value


def aws_region(value: str) -> str:
    if not AWS_REGION.fullmatch(value):
        raise ValueError(f"{value!r} is not an AWS region name like 'eu-west-1'")
    return value


def s3_bucket_name(value: str) -> str:
    """S3's general purpose bucket naming rules, so that an ARN built from the name means one bucket."""
    rule = (
        "3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, "
        "no '..', not an IP address, no reserved prefix (xn--, sthree-, amzn-s3-demo-) or suffix (-s3alias, --ol-s3, .mrap, --x-s3)"
    )
    try:
        ipaddress.IPv4Address(value)
        is_ip = True
    except ValueError:
        is_ip = False
    if (
        not S3_BUCKET.fullmatch(value)
        or ".." in value
        or is_ip
        or value.startswith(S3_BUCKET_RESERVED_PREFIXES)
        or value.endswith(S3_BUCKET_RESERVED_SUFFIXES)
    ):
        raise ValueError(f"{value!r} is not a valid S3 bucket name ({rule})")
    return value


def relative_key(value: str, *, what: str) -> str:
    """A relative path of S3-safe segments: no empty, '.' or '..' segment, so it cannot leave its prefix."""
    segments = value.split("/")
    if not value or any(s in ("", ".", "..") or not S3_KEY_SEGMENT.fullmatch(s) for s in segments):
        raise ValueError(
            f"{value!r} is not a valid {what}: '/'-separated segments of letters, digits and !_.*'()-, "
            "not absolute, no empty, '.' or '..' segment"
        )
    return value


def tag(key: str, value: str) -> None:
    """One AWS tag: AWS's lengths and characters, and no `aws:` prefix (reserved for AWS, in any case)."""
    if not 1 <= len(key) <= TAG_KEY_MAX or not TAG_CHARACTERS.fullmatch(key):
        raise ValueError(f"tag key {key!r} must be 1 to {TAG_KEY_MAX} ASCII letters, digits, spaces or _ . : / = + - @")
    if len(value) > TAG_VALUE_MAX or not TAG_CHARACTERS.fullmatch(value):
        raise ValueError(f"tag {key!r}: value must be at most {TAG_VALUE_MAX} ASCII letters, digits, spaces or _ . : / = + - @")
    if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
        raise ValueError(f"tag {key!r}: the 'aws:' prefix (in any case) is reserved for AWS")


def label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        raise ValueError(f"label key {key!r}: the prefix before '/' must be a DNS-1123 subdomain of at most 253 characters")
    if len(name) > LABEL_NAME_MAX or not LABEL_NAME.fullmatch(name):
        raise ValueError(
            f"label key {key!r}: the name must be at most {LABEL_NAME_MAX} letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return key


def label_value(key: str, value: str) -> str:
    if value and (len(value) > LABEL_NAME_MAX or not LABEL_NAME.fullmatch(value)):
        raise ValueError(
            f"label {key!r}: value {value!r} must be empty or at most {LABEL_NAME_MAX} letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return value


def labels(value: Mapping[str, str], *, max_count: int | None = None) -> Mapping[str, str]:
    if max_count is not None and len(value) > max_count:
        raise ValueError(f"at most {max_count} labels, got {len(value)}")
    for key, item in value.items():
        label_key(key)
        label_value(key, item)
    return value


class Frozen(BaseModel):
    # defer_build: a validator is built when its model first validates, not at import; a nested model that is
    # only validated as part of its parent (VpcConfig, S3Backend, ...) never builds its own: about 0.04 s less
    # for every `tap.py` start.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to: an ARN of another partition cannot be used there."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("us-iso-"):
        return "aws-iso"
    return "aws"
