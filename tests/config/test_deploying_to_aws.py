"""Configuration a real AWS account needs: explicit cluster access, private-endpoint sources,
loud warnings while example values are in place, and the Elastic IP quota across environments."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.examples import elastic_ip_warnings, example_warnings, is_documentation_cidr
from config.loader import ENVIRONMENTS_DIR, SERVICES_DIR, ConfigError, deep_merge, load_environment

ADMIN = "arn:aws:iam::210987654321:role/platform-admin"
DEPLOYER = "arn:aws:iam::210987654321:role/ci-deployer"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("aws")
    shutil.copytree(SERVICES_DIR, root / "services")
    shutil.copytree(ENVIRONMENTS_DIR, root / "environments")  # service folders hold values-<env>.yaml of every environment
    return root


def load_dev(workspace: Path, patch: dict[str, Any], replace: tuple[str, ...] = ()):
    base = yaml.safe_load((ENVIRONMENTS_DIR / "dev.yaml").read_text())
    for key in replace:
        base.pop(key, None)
    (workspace / "environments" / "dev.yaml").write_text(yaml.safe_dump(deep_merge(base, patch)))
    return load_environment("dev", environments_dir=workspace / "environments", services_dir=workspace / "services")


@pytest.mark.parametrize(
    ("patch", "replace", "rule"),
    [
        ({"cluster_admin_arns": []}, ("cluster_admin_arns",), "cluster_admin_arns: list at least one IAM role or user"),
        ({"cluster_admin_arns": [ADMIN, ADMIN]}, ("cluster_admin_arns",), f"cluster_admin_arns: {ADMIN!r} is listed twice"),
        (
            {"cluster_admin_arns": [ADMIN], "cluster_viewer_arns": [ADMIN]},
            ("cluster_admin_arns", "cluster_viewer_arns"),
            "already in cluster_admin_arns",
        ),
        ({"service_team_arns": {"ledger": [ADMIN]}}, ("service_team_arns",), "service_team_arns.ledger: not a service"),
        ({"service_team_arns": {"payment": ["payment-team"]}}, ("service_team_arns",), "'payment-team' is not an IAM role or user ARN"),
        (
            {"cluster_admin_arns": [ADMIN.replace("platform-admin", "platform_admin"), ADMIN.replace("platform-admin", "platform.admin")]},
            ("cluster_admin_arns",),
            "would share the access entry name '210987654321_role_platform_admin'",
        ),
        ({"endpoint": {"private_access_cidrs": ["0.0.0.0/0"]}}, (), "endpoint.private_access_cidrs: '0.0.0.0/0': list the IPv4 networks"),
        ({"endpoint": {"private_access_security_groups": ["sg-12"]}}, (), "'sg-12' is not a security group id"),
    ],
)
def test_cluster_access_and_endpoint_sources_are_refused_when_wrong(workspace: Path, patch, replace, rule: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_dev(workspace, patch, replace)
    assert rule in str(error.value)
    assert str(error.value).startswith(str(workspace / "environments" / "dev.yaml"))


def test_service_teams_edit_exactly_their_services_namespaces(workspace: Path) -> None:
    team = "arn:aws:iam::210987654321:role/payments-and-reporting"
    config = load_dev(workspace, {"service_team_arns": {"reporting": [team], "payment": [team]}}, ("service_team_arns",))
    assert config.namespace_editors == {team: ("payment", "reporting")}


def test_a_team_spelt_two_ways_across_services_is_refused(workspace: Path) -> None:
    """IAM names are unique without case: `role/Team` and `role/team` are one role, which would get two access entries."""
    team = "arn:aws:iam::210987654321:role/payments-and-reporting"
    other = team.replace("payments", "Payments")
    with pytest.raises(ConfigError, match=r"service_team_arns\.reporting: .* is already in service_team_arns\.payment as"):
        load_dev(workspace, {"service_team_arns": {"payment": [team], "reporting": [other]}}, ("service_team_arns",))


def test_documentation_networks_are_recognised() -> None:
    assert is_documentation_cidr("203.0.113.0/24") and is_documentation_cidr("198.51.100.128/25") and is_documentation_cidr("192.0.2.7/32")
    assert not is_documentation_cidr("10.0.0.0/8") and not is_documentation_cidr("203.0.112.0/23")


def test_every_shipped_example_value_is_warned_about(configs) -> None:
    for name in ("dev", "staging", "prod"):
        lines = example_warnings(configs[name])
        fields = {line.split(": ")[1] for line in lines}
        assert {"data_bucket", "cluster_admin_arns", "cluster_viewer_arns", "endpoint.private_access_cidrs"} <= fields, name
        assert all("EXAMPLE VALUE still in place" in line for line in lines)
    assert "endpoint.public_cidrs" in {line.split(": ")[1] for line in example_warnings(configs["dev"])}
    for name in ("dev", "staging"):
        assert "vpc.internal_clients" in {line.split(": ")[1] for line in example_warnings(configs[name])}
    prod = example_warnings(configs["prod"])
    assert any(line.startswith("services/payment/values-prod.yaml: ingress.certificateArn:") for line in prod)
    assert any(line.startswith("services/payment/values-prod.yaml: ingress.wafAclArn:") for line in prod)
    assert example_warnings(configs["local"]) == []  # the emulator never reaches AWS


def test_example_alarm_endpoints_are_warned_about_and_real_ones_are_not(configs) -> None:
    """An alarm subscribed to example.com (RFC 2606) pages nobody: the synth says so for each endpoint."""
    prod = configs["prod"]
    fields = {line.split(": ")[1] for line in example_warnings(prod)}
    assert {f"alarms.subscriptions.{name}.endpoint" for name in prod.alarms.subscriptions} <= fields
    assert "alarms.subscriptions.oncall-email.endpoint" in {line.split(": ")[1] for line in example_warnings(configs["staging"])}
    real = prod.alarms.model_copy(
        update={
            "subscriptions": {"oncall": prod.alarms.subscriptions["oncall-email"].model_copy(update={"endpoint": "oncall@payments.test"})},
            "topic_arns": ("arn:aws:sns:us-east-1:210987654321:payments",),
        }
    )
    lines = example_warnings(prod.model_copy(update={"alarms": real}))
    assert not [line for line in lines if ": alarms." in line]
    example_topic = prod.alarms.model_copy(update={"topic_arns": ("arn:aws:sns:us-east-1:111122223333:payments",)})
    assert any(": alarms.topic_arns: " in line for line in example_warnings(prod.model_copy(update={"alarms": example_topic})))


def test_real_values_silence_the_warnings(workspace: Path) -> None:
    config = load_dev(
        workspace,
        {
            "endpoint": {"public_cidrs": ["93.184.216.0/24"], "private_access_cidrs": ["10.200.0.0/16"]},
            "vpc": {"internal_clients": ["10.201.0.0/16"]},
            "data_bucket": "acme-payments-data-dev",
            "cluster_admin_arns": [DEPLOYER, ADMIN],
            "cluster_viewer_arns": [],
            "service_team_arns": {},
        },
        ("cluster_admin_arns", "cluster_viewer_arns", "service_team_arns"),
    )
    assert [line for line in example_warnings(config) if "config/environments" in line or "dev.yaml" in line] == []


def test_environments_sharing_a_region_are_warned_about_the_elastic_ip_quota(configs) -> None:
    (line,) = elastic_ip_warnings(configs)
    assert line.startswith("us-east-1: the NAT gateways of dev (1), prod (3), staging (3) need 7 Elastic IPs together")
    assert "default quota is 5" in line
    assert elastic_ip_warnings(configs, involving="prod") == [line]
    assert elastic_ip_warnings(configs, involving="local") == []  # the emulator holds no real addresses
    assert elastic_ip_warnings({n: configs[n] for n in ("dev", "staging")}) == []  # 4 fit
    moved = configs["prod"].model_copy(update={"region": "eu-west-1"})
    assert elastic_ip_warnings({**configs, "prod": moved}) == []
