"""Onboarding services does not grow what AWS caps per cluster: profiles and load balancers stay fixed.

Twelve services are generated from data alone (scripts/generate_services.py) beside the three
shipped ones, a few of them internet-facing, and the environment is synthesized.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from config.fargate import PLATFORM_NAMESPACES, SERVICE_POD_LABEL, SERVICES_PROFILE
from config.loader import ConfigError, load_environment
from config.quotas import ALB_LISTENER_RULES, FARGATE_PROFILES_PER_CLUSTER, Quota
from scripts.generate_services import write_services
from tests.conftest import Synthesized, copy_of_services, synthesize
from workloads.ingress_groups import group_name, placements

CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="session")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    services = copy_of_services(tmp_path_factory.mktemp("twelve"))
    before = {p.name for p in services.iterdir()}
    added = write_services(services, 8)
    added += write_services(services, 4, start=9, ingress={"scheme": "internet-facing", "certificateArn": CERTIFICATE})
    assert len(added) == 12
    config = load_environment("dev", services_dir=services)
    assert set(config.services) == before | set(added)
    return synthesize(config, tmp_path_factory.mktemp("twelve-out"), services_dir=services)


def release_values(env: Synthesized) -> dict[str, dict]:
    releases = env.resources("workloads", "helm_release")
    return {name.removeprefix("release_"): json.loads(releases[name]["values"][0]) for name in releases if name.startswith("release_")}


def test_twelve_more_services_need_no_new_fargate_profile(twelve: Synthesized, synthesized: dict[str, Synthesized]) -> None:
    profiles = {p["fargate_profile_name"] for p in twelve.resources("platform", "aws_eks_fargate_profile").values()}
    shipped = {p["fargate_profile_name"] for p in synthesized["dev"].resources("platform", "aws_eks_fargate_profile").values()}
    assert profiles == shipped == {"kube-system", *PLATFORM_NAMESPACES, SERVICES_PROFILE}
    # Every service's pods carry the label the `services` profile selects (the chart sets it).
    key, value = SERVICE_POD_LABEL
    assert all(key not in v.get("podLabels", {}) for v in release_values(twelve).values())
    assert twelve.resources("platform", "aws_eks_fargate_profile")[f"fargate_profile_{SERVICES_PROFILE}"]["selector"] == [
        {"namespace": "*", "labels": {key: value}}
    ]


def test_twelve_more_services_share_one_load_balancer_per_scheme(twelve: Synthesized) -> None:
    groups: dict[str, set[str]] = {}
    orders: dict[str, list[int]] = {}
    for values in release_values(twelve).values():
        ingress = values["ingress"]
        group = ingress["group"]["name"]
        groups.setdefault(ingress["scheme"], set()).add(group)
        orders.setdefault(group, []).append(ingress["group"]["order"])
    assert groups == {
        "internal": {group_name("tap-dev", "internal")},
        "internet-facing": {group_name("tap-dev", "internet-facing")},
    }
    for group, order in orders.items():
        assert sorted(order) == list(range(1, len(order) + 1)), group  # unique, dense, deterministic


def test_group_order_is_deterministic_and_puts_host_rules_first(tmp_path: Path) -> None:
    services = copy_of_services(tmp_path)
    write_services(services, 2)
    values = services / "svc-002" / "values.yaml"
    values.write_text(values.read_text().replace("path: /svc-002", "path: /svc-002\n  host: api.example.com"))
    config = load_environment("dev", services_dir=services)
    first, second = placements(config, services), placements(config, services)
    assert first == second
    assert first["svc-002"].order == 1  # a rule with a host before every any-host rule


def test_a_path_under_another_services_path_is_refused(tmp_path: Path) -> None:
    """Prefix rules: /payments/admin would be matched by payment's /payments rule, or take part of its traffic."""
    services = copy_of_services(tmp_path)
    write_services(services, 1)
    values = services / "svc-001" / "values.yaml"
    values.write_text(values.read_text().replace("path: /svc-001", "path: /payments/admin"))
    with pytest.raises(ConfigError, match=r"ingress.path: host \* path /payments/admin overlaps payment's host \* path /payments"):
        placements(load_environment("dev", services_dir=services), services)


def test_a_dedicated_ingress_gets_no_group(tmp_path: Path) -> None:
    services = copy_of_services(tmp_path)
    write_services(services, 1, ingress={"dedicated": True})
    placed = placements(load_environment("dev", services_dir=services), services)
    assert placed["svc-001"].group == ""
    assert {p.group for name, p in placed.items() if name != "svc-001"} == {"tap-dev-internal"}


def test_load_balancer_settings_must_agree_within_a_group_naming_both_files(tmp_path: Path) -> None:
    services = copy_of_services(tmp_path)
    path = services / "reporting" / "values-prod.yaml"
    values = yaml.safe_load(path.read_text())
    values["ingress"]["sslPolicy"] = "ELBSecurityPolicy-TLS13-1-3-2021-06"
    path.write_text(yaml.safe_dump(values))
    with pytest.raises(ConfigError) as error:
        placements(load_environment("prod", services_dir=services), services)
    message = str(error.value)
    assert message.startswith(f"{path}: ingress.sslPolicy: ")
    assert str(services / "fraud-detection" / "values-prod.yaml") in message  # the first member's ingress block
    assert "tap-prod-internet-facing" in message


def test_a_quota_names_itself_and_its_limit() -> None:
    with pytest.raises(ValueError, match=r"^11 profiles exceed the limit of 10 \(Amazon EKS quota 'Fargate profiles per cluster'\)$"):
        FARGATE_PROFILES_PER_CLUSTER.check(11, "profiles")
    ALB_LISTENER_RULES.check(100, "rules")  # at the limit is within it
    with pytest.raises(ValueError, match=r"^f: 2 x exceed the limit of 1 "):
        Quota(1, "test").check(2, "x", field="f")
