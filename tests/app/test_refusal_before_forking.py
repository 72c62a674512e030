"""A disagreement between services is refused before any synth process starts.

It is known from the configuration alone, so no node runtime competes with the refusal for the
machine's cores; the services it names are rendered first, one's own mistake being the more precise message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tap
from config.loader import ConfigError, load_environment
from scripts.generate_services import write_services
from tests.conftest import copy_of_services


@pytest.fixture
def no_synth(monkeypatch: pytest.MonkeyPatch) -> None:
    def synthesize(*_: object, **__: object) -> None:
        raise AssertionError("a synth process was started for a configuration already known to be refused")

    monkeypatch.setattr(tap, "synthesize", synthesize)


def overlapping(tmp_path: Path) -> Path:
    services = copy_of_services(tmp_path)
    write_services(services, 1)
    values = services / "svc-001" / "values.yaml"
    values.write_text(values.read_text().replace("path: /svc-001", "path: /payments/admin"))
    return services


def test_a_conflict_between_services_starts_no_synth(tmp_path: Path, no_synth: None) -> None:
    services = overlapping(tmp_path)
    with pytest.raises(ConfigError, match=r"overlaps payment's host \* path /payments"):
        tap.refuse_before_forking(load_environment("dev", services_dir=services), services)


def test_a_services_own_mistake_is_still_named_before_the_conflict(tmp_path: Path, no_synth: None) -> None:
    services = overlapping(tmp_path)
    values = services / "svc-001" / "values.yaml"
    values.write_text(values.read_text() + "replicaCount: many\n")
    with pytest.raises(ConfigError, match=r"services/svc-001/values.yaml: replicaCount"):
        tap.refuse_before_forking(load_environment("dev", services_dir=services), services)


def test_services_that_agree_pass_on_to_the_synth(tmp_path: Path) -> None:
    services = copy_of_services(tmp_path)
    write_services(services, 2)
    tap.refuse_before_forking(load_environment("dev", services_dir=services), services)


def test_a_service_the_conflict_does_not_name_waits_for_the_synth(tmp_path: Path, no_synth: None) -> None:
    """Only the services a conflict names are rendered before it is reported (one render each, not one per service
    of the environment); another service's mistake is reported once the conflict is settled."""
    services = overlapping(tmp_path)
    values = services / "fraud-detection" / "values.yaml"
    values.write_text(values.read_text() + "replicaCount: many\n")
    with pytest.raises(ConfigError, match=r"overlaps payment's host \* path /payments"):
        tap.refuse_before_forking(load_environment("dev", services_dir=services), services)


def test_tap_main_refuses_a_conflict_with_exit_2_and_never_calls_the_synth(
    tmp_path: Path, no_synth: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through tap.main, where the order lives: the tests above call refuse_before_forking directly, so their
    `no_synth` guard could not fire; here a synthesize call would raise instead of the refusal's exit 2."""
    services = overlapping(tmp_path)
    monkeypatch.setattr(tap, "load_environment", lambda name: load_environment(name, services_dir=services))
    monkeypatch.setattr(tap, "load_all_environments", lambda loaded: loaded)
    monkeypatch.setattr(tap, "raise_on_signals", lambda: None)
    monkeypatch.setattr(tap.refuse_before_forking, "__defaults__", (services,))
    assert tap.main(["tap.py", "dev"]) == 2
    assert "overlaps payment's host * path /payments" in capsys.readouterr().err
