"""Properties of configuration validation, explored with Hypothesis.

The central one: whatever a user writes into an environment file, loading it either succeeds
or raises ConfigError with one line naming that file; never another exception.
"""

from __future__ import annotations

import functools
import ipaddress
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.loader import ENVIRONMENTS_DIR, SERVICES_DIR, ConfigError, check_environments_do_not_collide, load_environment
from config.model import DNS1123_LABEL, EnvironmentConfig, FargateProfileConfig, VpcConfig, dns_label

BASE = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=30),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def leaf_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in leaf_paths(value, (*prefix, key))] or [prefix]
    return [prefix]


def replaced(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copy = dict(node)
    copy[path[0]] = replaced(node[path[0]], path[1:], value)
    return copy


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("props")
    shutil.copytree(SERVICES_DIR, root / "services")
    shutil.copytree(ENVIRONMENTS_DIR, root / "environments")  # values-<env>.yaml needs its environment
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(leaf_paths(BASE)), value=junk)
def test_any_edit_loads_or_fails_with_one_line_naming_the_file(workspace: Path, path: tuple, value: Any) -> None:
    (workspace / "environments" / "dev.yaml").write_text(yaml.safe_dump(replaced(BASE, path, value)))
    try:
        load_environment("dev", environments_dir=workspace / "environments", services_dir=workspace / "services")
    except ConfigError as error:
        message = str(error)
        assert "\n" not in message
        assert message.startswith(str(workspace / "environments" / "dev.yaml") + ": ")


@given(st.integers(0, 8))
def test_a_profile_needs_one_to_five_selectors(count: int) -> None:
    selectors = [{"namespace": f"ns-{i}"} for i in range(count)]
    if 1 <= count <= 5:
        assert len(FargateProfileConfig.model_validate({"selectors": selectors}).selectors) == count
    else:
        with pytest.raises(ValueError, match="supports 1 to 5 selectors"):
            FargateProfileConfig.model_validate({"selectors": selectors})


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_.", max_size=70))
def test_dns_labels_are_accepted_exactly_when_kubernetes_would(name: str) -> None:
    valid = (
        0 < len(name) <= 63
        and name[0].isalnum()
        and name[-1].isalnum()
        and name == name.lower()
        and set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    )
    if valid:
        assert dns_label(name) == name and DNS1123_LABEL.fullmatch(name)
    else:
        with pytest.raises(ValueError, match="DNS-1123 label"):
            dns_label(name)


@functools.cache
def dev_config() -> EnvironmentConfig:
    return load_environment("dev")


networks = st.builds(lambda a, p: str(ipaddress.ip_network(f"10.{a}.0.0/{p}", strict=False)), st.integers(0, 255), st.integers(16, 20))


@settings(deadline=None)  # the first example loads dev from disk
@given(first=networks, second=networks)
def test_environments_with_overlapping_vpcs_are_refused(first: str, second: str) -> None:
    zones = ("us-east-1a", "us-east-1b", "us-east-1c")
    base = dev_config()
    configs = {
        "one": base.model_copy(update={"vpc": VpcConfig(cidr=first, availability_zones=zones, nat="single")}),
        "two": base.model_copy(
            update={"vpc": VpcConfig(cidr=second, availability_zones=zones, nat="single"), "suffix": "two", "data_bucket": "tap-data-two"}
        ),
    }
    if ipaddress.ip_network(first).overlaps(ipaddress.ip_network(second)):
        with pytest.raises(ConfigError, match=r"vpc\.cidr: .* overlaps"):
            check_environments_do_not_collide(configs)
    else:
        check_environments_do_not_collide(configs)


def test_the_emulators_vpc_constrains_no_real_environment() -> None:
    """The emulator's VPC never exists in AWS: a real environment may admit (or use) its range; two real ones may not."""
    dev, local = load_environment("dev"), load_environment("local")
    admits_local = dev.model_copy(update={"vpc": dev.vpc.model_copy(update={"internal_clients": (local.vpc.cidr,)})})
    check_environments_do_not_collide({"dev": admits_local, "local": local})
    other = local.model_copy(update={"emulator": None, "suffix": "other", "data_bucket": "tap-data-other"})
    with pytest.raises(ConfigError, match=r"vpc\.internal_clients: .* overlaps other's VPC"):
        check_environments_do_not_collide({"dev": admits_local, "other": other})
