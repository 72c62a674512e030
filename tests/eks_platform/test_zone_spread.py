"""Zone spread on Fargate comes from the profiles' subnets, not from pod constraints (docs/runtime.md, "Zone spread")."""

from __future__ import annotations

import re


def test_every_fargate_profile_spans_a_private_subnet_in_each_zone(env) -> None:
    """Fargate places a pod in one of its profile's subnets: the services profile (and every other)
    must offer one private subnet per configured zone, or pods cannot land in that zone at all."""
    subnets = env.resources("platform", "aws_subnet")
    for name, profile in env.resources("platform", "aws_eks_fargate_profile").items():
        ids = [re.fullmatch(r"\$\{aws_subnet\.([\w-]+)\.id\}", ref).group(1) for ref in profile["subnet_ids"]]
        zones = [subnets[i]["availability_zone"] for i in ids]
        assert sorted(zones) == sorted(env.config.vpc.availability_zones), name
        assert all(not subnets[i].get("map_public_ip_on_launch") for i in ids), name
