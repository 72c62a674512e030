"""Availability zones by name or by ID, and the zone EKS puts no control plane in.

Zone names map to physical zones differently per account; zone IDs do not (AWS RAM user guide,
"Availability Zone IDs for your AWS resources"). EKS refuses control-plane subnets in use1-az3,
usw1-az2 and cac1-az3 (EKS user guide, subnet requirements; awsdocs/amazon-eks-user-guide at
4d52b4d05e3478582e7d10a73cbd9ba9194dd5f7, latest/ug/networking/network-reqs.adoc).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from config.model import EnvironmentConfig
from config.network import VpcConfig, zone_id_prefix

UPSTREAM_REFUSED = {"us-east-1": "use1-az3", "us-west-1": "usw1-az2", "ca-central-1": "cac1-az3"}


def platform_with_zones(base: EnvironmentConfig, zones: tuple[str, str, str], outdir: Path) -> dict[str, Any]:
    from cdktf import App

    from eks_platform.stack import PlatformStack

    config = base.model_copy(update={"vpc": base.vpc.model_copy(update={"availability_zones": zones})})
    app = App(outdir=str(outdir))
    stack = PlatformStack(app, config)
    app.synth()
    return json.loads((outdir / "stacks" / stack.node.id / "cdk.tf.json").read_text())


@pytest.mark.parametrize(
    ("region", "code"),
    [("us-east-1", "use1"), ("us-west-2", "usw2"), ("ap-southeast-2", "apse2"), ("eu-central-1", "euc1"), ("ca-central-1", "cac1")],
)
def test_the_zone_id_prefix_is_the_region_code_aws_uses(region: str, code: str) -> None:
    """Codes as the zone IDs AWS documents them (use1-az1, usw2-az1, apse2-az1, euc1-az1, cac1-az1)."""
    assert zone_id_prefix(region) == code


@pytest.mark.parametrize(("region", "refused"), UPSTREAM_REFUSED.items())
def test_a_zone_id_eks_refuses_is_refused_with_the_reason(region: str, refused: str) -> None:
    code = zone_id_prefix(region)
    zones = [f"{code}-az1", f"{code}-az4", refused] if refused != f"{code}-az1" else [f"{code}-az2", f"{code}-az4", refused]
    vpc = VpcConfig.model_validate({"cidr": "10.0.0.0/16", "availability_zones": zones, "nat": "single"})
    with pytest.raises(ValueError, match="EKS does not create control-plane network interfaces in this zone"):
        vpc.check_zones_in(region)


def test_zone_ids_place_the_subnets_by_id_and_need_no_plan_time_check(configs, tmp_path: Path) -> None:
    platform = platform_with_zones(configs["prod"], ("use1-az1", "use1-az2", "use1-az4"), tmp_path)
    subnets = platform["resource"]["aws_subnet"].values()
    assert {s["availability_zone_id"] for s in subnets} == {"use1-az1", "use1-az2", "use1-az4"}
    assert all("availability_zone" not in s for s in subnets)
    # No refused-zone lookup for the subnets; the endpoints still map IDs to the names
    # DescribeVpcEndpointServices lists (test_api_constraints.py).
    lookups = platform.get("data", {}).get("aws_availability_zone", {})
    assert not [name for name in lookups if name.startswith("network_")]
    assert {zone["zone_id"] for zone in lookups.values()} == {"use1-az1", "use1-az2", "use1-az4"}


def test_zone_names_are_checked_at_plan_against_the_zone_eks_refuses(env) -> None:
    """A name may map to use1-az3 in one account and not in another: the private subnets (the
    cluster's) check the mapping at plan, before anything is created."""
    region = env.config.region
    if region not in UPSTREAM_REFUSED or env.config.vpc.zones_by_id:
        pytest.skip(f"{env.name}: no zone of {region} is refused, or zones are given by ID")
    zones = env.data("platform", "aws_availability_zone")
    assert {zone["name"] for zone in zones.values()} == set(env.config.vpc.availability_zones)
    private = [s for s in env.resources("platform", "aws_subnet").values() if s["tags"].get("kubernetes.io/role/internal-elb")]
    assert len(private) == 3
    for subnet in private:
        (check,) = subnet["lifecycle"]["precondition"]
        assert f'zone_id != "{UPSTREAM_REFUSED[region]}"' in check["condition"]
        assert subnet["availability_zone"] in check["error_message"]
