"""`make bench` marks a missed target where it is seen, and fails on it only when asked to."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))  # bench/run.py imports its sibling as a script does

from bench import run, scale


def test_a_missed_target_is_marked_in_the_table_and_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    missed = run.report_targets([("synth under 10 s", "12.0 s", False), ("memory under 1600 MB", "900 MB", True)])
    out, err = capsys.readouterr()
    assert missed == ["synth under 10 s (measured 12.0 s)"]
    assert "| synth under 10 s | 12.0 s | **MISSED** |" in out
    assert "| memory under 1600 MB | 900 MB | yes |" in out
    assert err == "MISSED: synth under 10 s (measured 12.0 s)\n"


def test_scale_targets_compare_the_largest_size_with_the_smallest() -> None:
    results = {3: {"synth_s": 10.0, "synth_mb": 900}, 100: {"synth_s": 21.0, "synth_mb": 1700}}
    (ratio, memory) = scale.targets(results)
    assert ratio == ("synth of 100 services at most 2x that of 3", "2.10x", False)
    assert memory == ("peak memory of the 100-service synth under 1600 MB", "1700 MB", False)
    assert scale.per_service(results, "synth_s") == pytest.approx(11.0 / 97)


def test_only_fail_on_miss_turns_a_miss_into_a_non_zero_exit() -> None:
    assert run.exit_status(["synth"], fail_on_miss=True) == 3
    assert run.exit_status(["synth"], fail_on_miss=False) == 0
    assert run.exit_status([], fail_on_miss=True) == 0


def test_the_fastest_run_decides_and_the_spread_is_reported() -> None:
    assert run.fastest_and_spread([4.2, 3.8, 5.0]) == (3.8, pytest.approx(1.2))
    assert run.timing([4.2, 3.8, 5.0]) == "3.80 s (spread 1.20 s over 3 runs)"


def test_the_test_tiers_are_the_makefiles_own_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make bench` once timed its own pytest command (with the emulator fault tests), not `make test`."""
    ran: list[list[str]] = []

    def fake_measure(command: list[str], **_: object) -> tuple[float, int, str]:
        ran.append(command)
        return 158.0, 0, "....\n========== 727 passed, 2 skipped in 157.20s (0:02:37) ==========\n"

    monkeypatch.setattr(run, "measure", fake_measure)
    assert run.make_target_seconds(run.MAKE_TARGETS["full suite"]) == (158.0, "727 passed, 2 skipped in 157.20s (0:02:37)")
    assert ran == [["make", "--no-print-directory", "-s", "test"]]
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    for target in run.MAKE_TARGETS.values():
        assert f"\n{target}: " in makefile
