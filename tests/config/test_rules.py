"""The limits AWS and Kubernetes enforce at apply, checked at synth: each rule accepts exactly what
the service accepts, and its message states the limit."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from config.loader import load_environment
from config.model import EndpointAccess, EnvironmentConfig, FargateSelector, Permissions, S3Backend
from config.network import ANY_ENVIRONMENT_MAX_ADDRESSES, PROTECTED_MAX_ADDRESSES, addresses_opened
from config.reserved import MAX_PER_RESOURCE_TAGS, PLATFORM_ROLE_SUFFIXES, PLATFORM_TAG_KEYS, reserved_namespace
from config.rules import AWS_MAX_TAGS_PER_RESOURCE, DNS1123_LABEL, label_key, relative_key, s3_bucket_name, tag


@functools.cache
def dev() -> EnvironmentConfig:
    return load_environment("dev")


def environment(**changes: Any) -> EnvironmentConfig:
    """dev's configuration with `changes` applied, validated as the loader would."""
    raw = dev().model_dump()
    raw.update(changes)
    return EnvironmentConfig.model_validate(raw)


@pytest.mark.parametrize("value", ["payment\n", "payment\r\n", "\npayment", "pay ment", "Payment"])
def test_patterns_match_in_full(value: str) -> None:
    assert not DNS1123_LABEL.fullmatch(value)
    with pytest.raises(ValidationError, match="is not a DNS-1123 label"):
        FargateSelector(namespace=value)


@pytest.mark.parametrize(
    "name",
    ["*", "", "ab", "a" * 64, "Tap-Data", "tap_data", "-tap", "tap-", "tap..data", "192.168.5.4", "xn--tap", "sthree-tap",
     "amzn-s3-demo-tap", "tap-s3alias", "tap--ol-s3", "tap.mrap", "tap--x-s3", "tap data", "tap-data\n"],
)  # fmt: skip
def test_invalid_bucket_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"is not a valid S3 bucket name .3 to 63"):
        s3_bucket_name(name)


@pytest.mark.parametrize("name", ["tap", "tap-data-dev", "a" * 63, "tap.data.1", "1tap"])
def test_valid_bucket_names_are_accepted(name: str) -> None:
    assert s3_bucket_name(name) == name


@pytest.mark.parametrize("value", ["../x", "a/../b", "/abs", "a//b", "a/", ".", "a/./b", "", "a b", "a\n"])
def test_state_keys_cannot_leave_their_prefix(value: str) -> None:
    with pytest.raises(ValueError, match=r"not absolute, no empty, '.' or '..' segment"):
        relative_key(value, what="state key prefix")
    with pytest.raises(ValidationError):
        S3Backend(kind="s3", bucket="tap-state", region="us-east-1", key_prefix=value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("aws:team", "x", "'aws:' prefix"),
        ("AwS:team", "x", "'aws:' prefix"),
        ("team", "AWS:x", "'aws:' prefix"),
        ("k" * 129, "x", "1 to 128"),
        ("", "x", "1 to 128"),
        ("team", "v" * 257, "at most 256"),
        ("team#", "x", "letters, digits, spaces"),
        ("team", "a\nb", "letters, digits, spaces"),
    ],
)
def test_tags_follow_aws_rules(key: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tag(key, value)


def test_tags_leave_room_for_the_platform_and_may_not_replace_its_own() -> None:
    budget = AWS_MAX_TAGS_PER_RESOURCE - len(PLATFORM_TAG_KEYS) - MAX_PER_RESOURCE_TAGS
    assert len(environment(tags={f"T{i}": "x" for i in range(budget)}).tags) == budget
    with pytest.raises(ValidationError, match=f"at most {budget} tags"):
        environment(tags={f"T{i}": "x" for i in range(budget + 1)})
    for key in (*PLATFORM_TAG_KEYS, "Name", "kubernetes.io/cluster/tap-dev"):
        with pytest.raises(ValidationError, match="is set by the platform"):
            environment(tags={key: "x"})


def test_every_synthesized_resource_stays_within_the_aws_tag_limit(env) -> None:
    """The tag budget's premise: no construct adds more than MAX_PER_RESOURCE_TAGS tags of its own."""
    for kind, resources in env.platform.get("resource", {}).items():
        for name, resource in resources.items():
            own = resource.get("tags") or {}
            assert len(own) <= MAX_PER_RESOURCE_TAGS, f"{kind}.{name} adds {len(own)} tags"
            assert len(set(own) & PLATFORM_TAG_KEYS) == 0, f"{kind}.{name} replaces a platform tag"


@settings(deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))), min_size=1, max_size=6), st.integers(0, 32))
def test_the_endpoint_counts_the_addresses_a_list_opens(addresses: list[str], prefix: int) -> None:
    cidrs = tuple(str(ipaddress.ip_network(f"{a}/{prefix}", strict=False)) for a in addresses)
    opened = addresses_opened(cidrs)
    sizes = [ipaddress.ip_network(c).num_addresses for c in cidrs]
    assert max(sizes) <= opened <= sum(sizes)  # overlaps are counted once
    try:
        EndpointAccess(public=True, public_cidrs=cidrs)
    except ValidationError as error:
        message = str(error)
        assert opened > ANY_ENVIRONMENT_MAX_ADDRESSES or "not a public internet range" in message
    else:
        assert opened <= ANY_ENVIRONMENT_MAX_ADDRESSES


@pytest.mark.parametrize(
    ("cidrs", "message"),
    [
        (["0.0.0.0/0"], "whole internet"),
        (["0.0.0.0/1", "128.0.0.0/1"], "the list opens 4294967296 addresses"),
        ([f"{n}.0.0.0/8" for n in (11, 12)], "the list opens 33554432 addresses"),
        (["10.0.0.0/24"], "overlaps 10.0.0.0/8"),
        (["172.20.0.0/16"], "overlaps 172.16.0.0/12"),
        (["192.168.1.0/24"], "overlaps 192.168.0.0/16"),
        (["100.100.0.0/16"], "overlaps 100.64.0.0/10"),
        (["127.0.0.1/32"], "overlaps 127.0.0.0/8"),
        (["169.254.169.254/32"], "overlaps 169.254.0.0/16"),
        (["::/0"], "IPv4 CIDRs only"),
        (["2001:db8::/32"], "IPv4 CIDRs only"),
        (["198.51.100.1/24"], "is not a network in CIDR notation"),
        ([f"198.51.100.{i}/32" for i in range(41)], "at most 40"),
    ],
)
def test_the_public_endpoint_is_never_world_open_nor_private(cidrs: list[str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EndpointAccess(public=True, public_cidrs=tuple(cidrs))


def test_a_protected_environment_opens_its_endpoint_to_few_addresses() -> None:
    prod = load_environment("prod").model_dump()
    within = {
        "public": True,
        "public_cidrs": ["198.18.0.0/21", "198.18.8.0/22", "198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24", "198.18.12.0/24"],
    }
    prod["endpoint"] = within
    assert EnvironmentConfig.model_validate(prod).endpoint.public_addresses <= PROTECTED_MAX_ADDRESSES
    prod["endpoint"] = {"public": True, "public_cidrs": [*within["public_cidrs"], "198.18.13.0/32"]}
    with pytest.raises(ValidationError, match=f"at most {PROTECTED_MAX_ADDRESSES} addresses in total; this list opens 4097"):
        EnvironmentConfig.model_validate(prod)


@pytest.mark.parametrize(
    ("zones", "message"),
    [
        (("eu-west-1a", "eu-west-1b", "eu-west-1c"), "not a zone of the region 'us-east-1'"),
        (("us-east-1a", "us-east-1b", "us-east-11"), "is neither a zone name like 'us-east-1a' nor a zone ID"),
        (("use1-az1", "use1-az2", "usw2-az4"), "'usw2-az4' is not a zone ID of the region 'us-east-1'"),
        (("use1-az1", "use1-az2", "use1-az3"), "'use1-az3': EKS does not create control-plane network interfaces"),
        (("us-east-1a", "use1-az2", "use1-az4"), "not a mix"),
        (("us-east-1a", "us-east-1b", "us-east-1c\n"), "is neither a zone name"),
        (("use1-az1", "use1-az2", "use1-az٤"), "is neither a zone name"),  # an Arabic-Indic digit is not a digit here
    ],
)
def test_zones_belong_to_the_region(zones: tuple[str, str, str], message: str) -> None:
    vpc = {"cidr": "10.10.0.0/16", "availability_zones": zones, "nat": "single"}
    with pytest.raises(ValidationError, match=message):
        environment(vpc=vpc)


def test_zone_ids_of_the_region_are_accepted() -> None:
    vpc = {"cidr": "10.10.0.0/16", "availability_zones": ("use1-az1", "use1-az2", "use1-az4"), "nat": "single"}
    assert environment(vpc=vpc).vpc.zones_by_id


@pytest.mark.parametrize(
    ("field", "value"),
    [("log_retention_days", True), ("log_retention_days", "30"), ("log_retention_days", 30.0), ("protected", 1), ("protected", "true")],
)
def test_booleans_and_integers_are_strict(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=r"Input should be a valid (integer|boolean)"):
        environment(**{field: value})


def test_only_the_local_environment_has_an_emulator() -> None:
    with pytest.raises(ValidationError, match="only the 'local' environment"):
        environment(emulator={"endpoint": "http://127.0.0.1:5000"})


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({f"l{i}": "x" for i in range(6)}, "6 labels in one selector exceed the limit of 5"),
        ({"team name": "x"}, "label key"),
        ({"Example.com/team": "x"}, "prefix before '/'"),
        ({"/team": "x"}, "prefix before '/'"),
        ({"t" * 64: "x"}, "at most 63"),
        ({"team": "-x"}, "value '-x'"),
        ({"team": "x" * 64}, "at most 63"),
    ],
)
def test_fargate_selector_labels_are_kubernetes_labels(labels: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FargateSelector(namespace="batch", labels=labels)
    assert label_key("example.com/team") == "example.com/team"


@pytest.mark.parametrize("prefix", ["reports", "reports-", "/reports/", "reports/../x/", "reports//"])
def test_s3_prefixes_end_at_a_boundary_and_stay_inside(prefix: str) -> None:
    with pytest.raises(ValidationError, match=r"must end with '/'|not a valid S3 prefix|plain resource name"):
        Permissions(s3_prefixes=(prefix,))


def test_reserved_names_cover_the_platform_roles_and_system_namespaces() -> None:
    assert {"cluster", "fargate-pods", "vpc-flow-logs", "alb-controller"} <= PLATFORM_ROLE_SUFFIXES
    for namespace in ("kube-system", "kube-anything", "default", "aws-observability", "amazon-cloudwatch"):
        assert reserved_namespace(namespace)
    assert not reserved_namespace("payment")
