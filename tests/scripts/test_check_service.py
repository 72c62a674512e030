"""`make check-service NAME=...`: one service's files checked as the synth checks them (its own values,
and claims across services), its chart rendered by the Helm engine, without the synth's runtimes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config.loader import ConfigError
from scripts.check_service import check_service, kinds, main
from tests.conftest import REPO_ROOT


def test_the_shipped_service_passes_in_every_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check_service", "payment"]) == 0
    assert capsys.readouterr().out == (
        "payment: values valid and chart rendered in dev, local, prod, staging "
        "(Deployment, HorizontalPodAutoscaler, Ingress, PodDisruptionBudget, Service)\n"
    )


def test_a_values_mistake_is_the_synths_one_line(services_copy: Path) -> None:
    staging = services_copy / "payment" / "values-staging.yaml"
    staging.write_text(staging.read_text() + "image:\n  tag: latest\n")
    check_service("payment", "prod", services_copy)  # another environment's file does not matter here
    with pytest.raises(ConfigError) as refused:
        check_service("payment", "staging", services_copy)
    assert str(refused.value).startswith(
        f"{staging}: image.tag: rejected by the chart schema: An explicit release tag; 'latest' is refused"
    )


def test_a_route_another_service_holds_is_found(services_copy: Path) -> None:
    reporting = services_copy / "reporting" / "values-prod.yaml"
    reporting.write_text(reporting.read_text().replace("path: /reports", "path: /payments"))
    with pytest.raises(ConfigError, match=r"ingress\.path: host \* path /payments overlaps payment's host \* path /payments"):
        check_service("payment", "prod", services_copy)


def test_a_namespace_another_service_uses_is_found(services_copy: Path) -> None:
    service = services_copy / "reporting" / "service.yaml"
    service.write_text(service.read_text().replace("namespace: reporting", "namespace: payment"))
    with pytest.raises(ConfigError, match="namespace"):
        check_service("payment", "dev", services_copy)


def test_an_unknown_service_or_environment_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check_service", "nope"]) == 2
    assert main(["check_service", "payment", "qa"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: services/nope: no such service (services: fraud-detection, payment, reporting; make new-service NAME=nope)",
        "error: unknown environment 'qa': choose one of dev, local, prod, staging (files in config/environments/)",
    ]


def test_show_prints_the_rendered_manifests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check_service", "payment", "prod", "--show"]) == 0
    out = capsys.readouterr().out
    assert "# prod: service/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment" in out
    assert kinds(check_service("payment", "prod")) == ["Deployment", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget", "Service"]


def test_it_never_loads_the_synths_runtimes() -> None:
    """The point of the inner loop: no jsii (and its node process), no cdktf, no provider bindings."""
    probe = (
        "import sys; from scripts.check_service import main; code = main(['check_service', 'payment', 'prod']); "
        "loaded = [m for m in ('jsii', 'cdktf', 'constructs') if m in sys.modules]; print(loaded); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
