"""`python tap.py` stopped by SIGINT or SIGTERM: one line, 128+N, no staging folder, no synth process left."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.scripts.faults import Run, descendants

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_synthesis_leaves_nothing(number: signal.Signals, tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    run = Run.start([sys.executable, "tap.py", "dev"], REPO_ROOT, env={"CDKTF_OUTDIR": str(outdir)})
    deadline = time.monotonic() + 60
    while not (list(tmp_path.glob(".synth-*")) and len(descendants(run.process.pid)) >= 4):  # both synth processes and a node runtime
        assert run.process.poll() is None and time.monotonic() < deadline, "synthesis never started"
        time.sleep(0.1)
    os.killpg(run.process.pid, number)  # a terminal's Ctrl-C reaches the whole foreground group
    assert run.finish(timeout=60) == 128 + number
    assert [line for line in run.stderr.splitlines() if not line.startswith("warning: ")] == [f"interrupted ({number.name})"]
    assert list(tmp_path.glob(".synth-*")) == []
    assert not outdir.exists()
    assert run.leftovers(tmp_path) == []
