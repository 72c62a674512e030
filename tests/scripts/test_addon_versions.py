"""`make addon-versions`: the reviewed table against DescribeAddonVersions, read in the API's response shape.

The response shape is the EKS API reference's (DescribeAddonVersions: addons[].addonVersions[].
compatibilities[].{clusterVersion, defaultVersion}); moto has no such API, so the pages here are
built in that shape, and the emulator environment is refused in one line.
"""

from __future__ import annotations

import subprocess
import sys

from config.loader import REPO_ROOT
from scripts.addon_versions import Comparison, Offered, offered_versions, version_key


def page(*entries: tuple[str, str, bool]) -> dict:
    return {
        "addons": [
            {
                "addonName": "coredns",
                "addonVersions": [
                    {"addonVersion": version, "compatibilities": [{"clusterVersion": cluster, "defaultVersion": default}]}
                    for version, cluster, default in entries
                ],
            }
        ]
    }


def test_only_versions_offered_for_the_cluster_version_count() -> None:
    pages = [page(("v1.14.2-eksbuild.4", "1.35", False), ("v1.13.2-eksbuild.4", "1.34", True)), page(("v1.13.2-eksbuild.7", "1.35", True))]
    offered = offered_versions(pages, "1.35")
    assert offered == Offered(("v1.14.2-eksbuild.4", "v1.13.2-eksbuild.7"), "v1.13.2-eksbuild.7")


def test_a_pinned_version_not_offered_is_named_as_an_apply_failure() -> None:
    result = Comparison("coredns", "v1.14.2-eksbuild.4", Offered(("v1.13.2-eksbuild.7", "v1.14.2-eksbuild.10"), "v1.13.2-eksbuild.7"))
    assert not result.ok
    assert "NOT OFFERED: an apply would fail" in str(result)
    assert result.newest == "v1.14.2-eksbuild.10"  # build 10 is newer than build 4, though it sorts lower as text


def test_builds_compare_as_numbers() -> None:
    assert version_key("v1.11.4-eksbuild.33") > version_key("v1.11.4-eksbuild.4")


def test_the_emulator_environment_is_refused_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.addon_versions", "local"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: local runs on the emulator, which has no EKS add-on API (DescribeAddonVersions)")
    assert result.stdout == ""
