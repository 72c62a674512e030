"""`make new-service NAME=...`: the scaffold synthesizes as is, its chart renders, and a bad or taken
name is refused in one line with nothing written (and, through make, before any shell sees it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from config.loader import SERVICES_DIR, environment_names, load_environment
from scripts.new_service import Refused, create, main
from tests.conftest import REPO_ROOT, synthesize
from workloads.service_chart import check_configured_service

MAKE = shutil.which("make")


def without_outer_make() -> dict[str, str]:
    """This process's environment without what an outer make (`make test`, `make bench`) passes down."""
    return {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}


def listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_the_scaffold_loads_in_every_environment_and_its_chart_renders(services_copy: Path) -> None:
    folder = create("shop", services_copy)
    assert sorted(path.name for path in folder.iterdir()) == ["service.yaml", "values.yaml"]
    assert not [path for path in services_copy.iterdir() if path.name.startswith(".")], "the staging folder is gone"
    for environment in environment_names():
        config = load_environment(environment, services_dir=services_copy)
        shop = config.services["shop"]
        assert (shop.namespace, shop.service_account, shop.repository) == ("shop", "shop", "shop")
        manifests = check_configured_service(config, "shop", services_copy)
        kinds = {doc["kind"] for text in manifests.values() for doc in yaml.safe_load_all(text) if doc}
        assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"} <= kinds
        assert "Ingress" not in kinds, "a new service is not exposed until its team says so"


@pytest.mark.slow
def test_the_scaffold_synthesizes_as_is(services_copy: Path, tmp_path: Path) -> None:
    create("shop", services_copy)
    dev = synthesize(load_environment("dev", services_dir=services_copy), tmp_path / "out", services_dir=services_copy)
    releases = {release["name"] for release in dev.resources("workloads", "helm_release").values()}
    assert "shop" in releases
    repositories = {repo["name"] for repo in dev.resources("platform", "aws_ecr_repository").values()}
    assert any(name.endswith("/shop") for name in repositories)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("payment", "services/payment: already exists"),
        ("Shop", "NAME: 'Shop' is not a DNS-1123 label"),
        ("-shop", "NAME: '-shop' is not a DNS-1123 label"),
        ("a" * 54, "at most 53 characters"),
        ("kube-system", "services/kube-system/service.yaml: namespace: 'kube-system' is reserved"),
    ],
)
def test_a_bad_or_taken_name_is_refused_and_nothing_is_written(services_copy: Path, name: str, said: str) -> None:
    before = listing(services_copy)
    with pytest.raises(Refused) as refused:
        create(name, services_copy)
    assert said in str(refused.value) and "\n" not in str(refused.value)
    assert listing(services_copy) == before


def test_the_command_line_says_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new_service", "payment"]) == 2
    assert main(["new_service"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "error: services/payment: already exists; choose another name (nothing written)",
        "error: usage: make new-service NAME=<name> (lower-case letters, digits and '-')",
    ]


@pytest.mark.skipif(MAKE is None, reason="GNU make is not on PATH")
@pytest.mark.parametrize("name", ["$(shell touch {marker})", "a;touch {marker}", "`touch {marker}`", "$$(touch {marker})", "a b", ""])
def test_make_refuses_an_unsafe_name_before_any_shell_sees_it(name: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    before = listing(SERVICES_DIR)
    result = subprocess.run(
        [MAKE, "-s", "--no-print-directory", "new-service", f"NAME={name.format(marker=marker)}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=without_outer_make(),
    )
    assert result.returncode == 2
    ours = [line for line in result.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\* ", line)]  # make's own status line
    assert ours == ["error: NAME: a service name of lower-case letters, digits and '-' is required, e.g. NAME=shop (nothing written)"]
    assert not marker.exists(), "the name reached a shell"
    assert listing(SERVICES_DIR) == before
