"""Compare the reviewed add-on versions (config/eks_addons.yaml) with what AWS offers in a real account.

    python -m scripts.addon_versions ENV        # or: make addon-versions ENV=prod

For the environment's Kubernetes version, asks EKS (DescribeAddonVersions) which versions of each
pinned add-on it offers, and prints per add-on: the pinned version and whether it is offered, the
default AWS would pick and the newest. Exit status 0 when every pinned version is offered, 1 when
one is not (an apply would fail creating it), 2 when it cannot ask: a configuration error, no
credentials, an unreachable endpoint, or the emulator (moto has no DescribeAddonVersions, so the
local environment cannot be compared: this says so in one line rather than pretend).
Reads the region from the environment file and credentials the usual way (boto3).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from config.eks_addons import TABLE_NAME
from config.model import EmulatorFeature
from scripts import cli


@dataclass(frozen=True)
class Offered:
    """What EKS offers of one add-on for one Kubernetes version."""

    versions: tuple[str, ...]
    default: str | None


@dataclass(frozen=True)
class Comparison:
    addon: str
    pinned: str
    offered: Offered

    @property
    def ok(self) -> bool:
        return self.pinned in self.offered.versions

    @property
    def newest(self) -> str | None:
        return max(self.offered.versions, key=version_key, default=None)

    def __str__(self) -> str:
        if not self.offered.versions:
            return f"{self.addon}: pinned {self.pinned}: EKS offers no version of this add-on for this Kubernetes version"
        state = "offered" if self.ok else "NOT OFFERED: an apply would fail; pick an offered version in " + TABLE_NAME
        newer = f"; newest {self.newest}" if self.newest != self.pinned else ""
        return f"{self.addon}: pinned {self.pinned} ({state}); AWS default {self.offered.default or 'none'}{newer}"


def version_key(version: str) -> tuple[int, ...]:
    """v1.11.4-eksbuild.33 -> (1, 11, 4, 33): builds compare as numbers, not as text."""
    return tuple(int(part) for part in re.findall(r"[0-9]+", version))


def offered_versions(pages: Iterable[Mapping[str, Any]], kubernetes_version: str) -> Offered:
    """Reads DescribeAddonVersions pages (the API's response shape) for one add-on."""
    versions, default = [], None
    for page in pages:
        for addon in page.get("addons", []):
            for entry in addon.get("addonVersions", []):
                for compatibility in entry.get("compatibilities", []):
                    if compatibility.get("clusterVersion") == kubernetes_version:
                        versions.append(entry["addonVersion"])
                        if compatibility.get("defaultVersion"):
                            default = entry["addonVersion"]
    return Offered(tuple(dict.fromkeys(versions)), default)


def compare(pinned: Mapping[str, str], kubernetes_version: str, eks: Any) -> list[Comparison]:
    paginator = eks.get_paginator("describe_addon_versions")
    return [
        Comparison(
            addon, version, offered_versions(paginator.paginate(addonName=addon, kubernetesVersion=kubernetes_version), kubernetes_version)
        )
        for addon, version in pinned.items()
    ]


@cli.refusals_exit_2
def main(argv: list[str]) -> int:
    config = cli.environment_arguments(argv, "usage: python -m scripts.addon_versions ENV").config
    if config.omits(EmulatorFeature.EKS_ADDONS):
        print(
            f"error: {config.name} runs on the emulator, which has no EKS add-on API (DescribeAddonVersions): "
            f"compare {TABLE_NAME} against a real account, e.g. make addon-versions ENV=dev",
            file=sys.stderr,
        )
        return 2
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        results = compare(config.addon_versions, config.kubernetes_version, boto3.client("eks", region_name=config.region))
    except (BotoCoreError, ClientError) as error:
        print(f"error: cannot ask EKS in {config.region} which add-on versions it offers: {error}", file=sys.stderr)
        return 2
    print(f"Kubernetes {config.kubernetes_version} in {config.region} ({TABLE_NAME} against DescribeAddonVersions):")
    for result in results:
        print(f"  {result}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
