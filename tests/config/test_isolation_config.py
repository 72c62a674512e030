"""Messages of the isolation fields: a service's `egress` and the environment's `vpc.internal_clients`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.network import VpcConfig
from config.service import ServiceConfig

SERVICE = {"name": "ledger", "namespace": "ledger", "service_account": "ledger", "repository": "ledger"}
VPC = {"cidr": "10.40.0.0/16", "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"], "nat": "single"}


@pytest.mark.parametrize(
    ("egress", "message"),
    [
        ([{"cidr": "0.0.0.0/0", "ports": [443]}], "'0.0.0.0/0' is wider than a /8"),
        ([{"cidr": "128.0.0.0/1", "ports": [443]}], "'128.0.0.0/1' is wider than a /8"),
        ([{"cidr": "2001:db8::/32", "ports": [443]}], "egress takes IPv4 networks only"),
        ([{"cidr": "203.0.113.0/24", "ports": []}], "list at least one TCP port"),
        ([{"cidr": "203.0.113.0/24", "ports": [443, 443]}], "a port is listed twice"),
        ([{"cidr": "203.0.113.0/24", "ports": [70000]}], "70000 is not a TCP port"),
        ([{"cidr": "203.0.113.0/24", "ports": ["443"]}], "valid integer"),
        ([{"cidr": "203.0.113.0/24", "ports": [443]}, {"cidr": "203.0.113.0/24", "ports": [80]}], "a CIDR is listed twice"),
        ([{"cidr": f"203.0.{i}.0/24", "ports": [443, 8443]} for i in range(11)], "at most 20 CIDR and port pairs"),
    ],
)
def test_a_service_egress_beyond_the_rules_is_refused(egress: list, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ServiceConfig.model_validate({**SERVICE, "egress": egress})


def test_a_service_egress_becomes_cidr_and_port_pairs() -> None:
    spec = ServiceConfig.model_validate({**SERVICE, "egress": [{"cidr": "203.0.113.0/24", "ports": [443, 8443]}]})
    assert spec.egress_rules == (("203.0.113.0/24", 443), ("203.0.113.0/24", 8443))


@pytest.mark.parametrize(
    ("clients", "message"),
    [
        (["10.40.8.0/24"], "overlaps the VPC 10.40.0.0/16"),
        (["10.0.0.0/8"], "overlaps the VPC 10.40.0.0/16"),
        (["0.0.0.0/0"], "wider than a /8"),
        (["198.51.100.0/24", "198.51.100.0/24"], "a CIDR is listed twice"),
        ([f"198.51.{i}.0/24" for i in range(26)], "at most 25 networks"),
    ],
)
def test_internal_clients_outside_the_cluster_only(clients: list, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        VpcConfig.model_validate({**VPC, "internal_clients": clients})
