"""The numbers the README's sample `make local` output shows that the code decides, not the machine:
how many resources the emulator's platform apply creates and destroys. Times and test counts
vary with the machine and the run; these do not, so a new resource that leaves the front page
stale fails here."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT, Synthesized

README = (REPO_ROOT / "README.md").read_text()


def test_the_sample_run_shows_as_many_resources_as_the_local_platform_stack_has(synthesized: dict[str, Synthesized]) -> None:
    count = sum(len(blocks) for blocks in synthesized["local"].platform["resource"].values())
    created = {int(n) for n in re.findall(r"(\d+) resources created", README)}
    destroyed = {int(n) for n in re.findall(r"destroyed all (\d+) resources", README)}
    assert created == destroyed == {count}


def test_the_sample_run_lists_every_api_left_out_on_the_emulator(synthesized: dict[str, Synthesized]) -> None:
    listed = set(re.findall(r"^  - ([a-z_]+): ", README, re.MULTILINE))
    emulator = synthesized["local"].config.emulator
    assert emulator is not None
    assert listed == {str(getattr(feature, "value", feature)) for feature in emulator.omit}


def test_the_front_page_names_the_shipped_kubernetes_version_and_services(synthesized: dict[str, Synthesized]) -> None:
    (version,) = re.findall(r"EKS (\d+\.\d+)\n", README)
    assert {env.config.kubernetes_version for env in synthesized.values()} == {version}
    named = set(re.findall(r"`([a-z-]+)`", README.split("services, installed from one hardened chart")[0].rsplit("namespaces", 1)[1]))
    assert named == set(synthesized["prod"].config.services)
