"""The cluster's control-plane logging and CoreDNS's autoscaling against AWS's documentation
(eks_platform/data/eks_api_facts.json), not against the constants the code uses: a misspelt log
type or an add-on pin below the autoscaler's minimum fails here instead of at apply."""

from __future__ import annotations

import json
import re

import yaml

from tests.conftest import REPO_ROOT, Synthesized

FACTS = json.loads((REPO_ROOT / "eks_platform" / "data" / "eks_api_facts.json").read_text())


def version(text: str) -> tuple[int, ...]:
    """`v1.11.4-eksbuild.24` -> (1, 11, 4, 24); `1.29` -> (1, 29)."""
    return tuple(int(part) for part in re.findall(r"\d+", text))


def test_every_control_plane_log_type_eks_offers_is_enabled(env: Synthesized) -> None:
    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    assert sorted(cluster["enabled_cluster_log_types"]) == sorted(FACTS["control_plane_log_types"]["values"])


def test_every_pinned_coredns_supports_the_autoscaling_the_platform_configures() -> None:
    facts = FACTS["coredns_autoscaling"]
    pinned = yaml.safe_load((REPO_ROOT / "config" / "eks_addons.yaml").read_text())["coredns"]
    for kubernetes, addon in pinned.items():
        assert version(kubernetes) >= version(facts["min_kubernetes"]), kubernetes
        if version(kubernetes) < version(facts["every_addon_version_from"]):
            assert version(addon) >= version(facts["min_addon_version"][kubernetes]), (kubernetes, addon)


def test_the_version_comparison_orders_eks_builds() -> None:
    assert version("v1.11.1-eksbuild.9") < version("v1.11.1-eksbuild.10") < version("v1.11.4-eksbuild.24")
