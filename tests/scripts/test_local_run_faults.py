"""`make local` under faults: the first failure in one line, the cleanup on its own line, nothing left.

Each test runs the real runner in a copy of the repository and injects a real fault (see
tests/scripts/faults.py). The file-system faults use a size-limited or read-only tmpfs when
this process may mount one (root, as in CI's container), else a read-only directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scripts.faults import Run, copy_repo, one_line

pytestmark = pytest.mark.slow
RUNNER = [sys.executable, "-m", "scripts.local_run"]


@pytest.fixture
def repo(repo_copy: Path, tmp_path: Path) -> Path:
    return copy_repo(repo_copy, tmp_path / "repo")


@contextlib.contextmanager
def tmpfs(at: Path, size: str) -> Iterator[Path]:
    at.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(at)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], check=False)


def assert_nothing_left(run: Run, repo: Path) -> None:
    assert run.leftovers(repo) == []


def test_a_second_run_fails_at_once_naming_the_first_and_keeps_its_state(repo: Path) -> None:
    state_dir = repo / "terraform-state" / "local"
    state_dir.mkdir(parents=True)
    first_state = state_dir / "platform.tfstate"
    first_state.write_text('{"version": 4, "resources": []}')
    lock = state_dir / "run.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("424242\n")
        held.flush()
        run = Run.start(RUNNER, repo)
        status = run.finish(timeout=60)
        assert status == 1, run.stderr
        assert "another make local is running in this checkout (PID 424242" in one_line(run.stderr, "FAILED: ")
        assert "Traceback" not in run.stderr
        assert first_state.exists()
        assert not run.seen, "the second run started something"
    lock.unlink()
    assert_nothing_left(run, repo)


def test_an_invalid_local_configuration_is_one_line_and_exit_2(repo: Path) -> None:
    config = repo / "config" / "environments" / "local.yaml"
    config.write_text(config.read_text().replace("region: us-east-1", "region: moon-1"))
    run = Run.start(RUNNER, repo)
    assert run.finish(timeout=60) == 2
    assert one_line(run.stderr, "error: ").startswith("error: ")
    assert "local.yaml" in run.stderr and "region" in run.stderr
    assert "Traceback" not in run.stderr
    assert_nothing_left(run, repo)


def test_a_terraform_that_exits_silently_is_named_with_its_command(repo: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "terraform"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    run = Run.start(RUNNER, repo, env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert run.finish() == 1, run.stderr
    failure = one_line(run.stderr, "FAILED: ")
    assert "terraform init exited 1 with no output (command: " in failure
    assert f"{fake} init -input=false" in failure
    assert one_line(run.stderr, "cleanup: ") == "cleanup: nothing was created, nothing to destroy; emulator stopped"
    assert "Traceback" not in run.stderr
    assert_nothing_left(run, repo)


def test_a_full_disk_under_the_state_directory_is_named(repo: Path) -> None:
    with tmpfs(repo / "terraform-state", "1m") as mounted:
        filler = mounted / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False)
        run = Run.start(RUNNER, repo)
        status = run.finish(timeout=60)
        assert status == 1, run.stderr
        assert one_line(run.stderr, "FAILED: ").startswith("FAILED: no space left on device")
        assert "Traceback" not in run.stderr
        filler.unlink()
        assert_nothing_left(run, repo)


def test_a_read_only_state_directory_with_an_old_state_is_named(repo: Path) -> None:
    state_dir = repo / "terraform-state" / "local"
    old_state = '{"version": 4, "resources": []}'
    if os.geteuid() == 0:
        with tmpfs(state_dir, "1m"):
            (state_dir / "platform.tfstate").write_text(old_state)
            subprocess.run(["mount", "-o", "remount,ro", str(state_dir)], check=True)
            run = Run.start(RUNNER, repo)
            status = run.finish(timeout=60)
            expected = f"FAILED: read-only file system: {state_dir / 'run.lock'}"
    else:
        state_dir.mkdir(parents=True)
        (state_dir / "platform.tfstate").write_text(old_state)
        state_dir.chmod(0o555)
        run = Run.start(RUNNER, repo)
        status = run.finish(timeout=60)
        state_dir.chmod(0o755)
        expected = f"FAILED: permission denied: {state_dir / 'run.lock'}"
    assert status == 1, run.stderr
    assert one_line(run.stderr, "FAILED: ") == expected
    assert "Traceback" not in run.stderr
    assert_nothing_left(run, repo)


@pytest.mark.emulator
def test_the_emulator_dying_during_apply_is_reported_at_once(repo: Path) -> None:
    run = Run.start(RUNNER, repo)
    run.wait_for_output("==> terraform apply")
    time.sleep(2)
    (moto,) = run.pids_of("moto_server")
    os.kill(moto, signal.SIGKILL)
    assert run.finish() == 1, run.stderr
    failure = one_line(run.stderr, "FAILED: ")
    assert failure.startswith("FAILED: the AWS emulator exited (code -9) during terraform apply; its log: ")
    assert failure.endswith("terraform-state/local/moto.log")
    cleanup = one_line(run.stderr, "cleanup: ")
    assert "not destroyed: the emulator is gone" in cleanup or "nothing was created" in cleanup
    assert "connection refused" not in run.stderr
    assert_nothing_left(run, repo)


@pytest.mark.emulator
@pytest.mark.parametrize(
    ("heading", "step", "after"),
    [("==> terraform apply", "terraform apply", 20), ("==> integration checks | re-plan", "integration checks and re-plan", 1)],
    ids=["during-apply", "during-checks"],
)
def test_ctrl_c_stops_the_step_and_tears_down_within_its_bound(repo: Path, heading: str, step: str, after: float) -> None:
    number = signal.SIGINT  # SIGTERM takes the same path; the make test below sends it
    run = Run.start(RUNNER, repo)
    run.wait_for_output(heading)
    time.sleep(after)  # during apply: once resources exist, so there is something to tear down
    os.killpg(run.process.pid, number)  # as a terminal's Ctrl-C does: the runner's whole group
    assert run.finish() == 128 + number, run.stderr
    assert one_line(run.stderr, "FAILED: ") == f"FAILED: interrupted by SIGINT during {step}"
    cleanup = one_line(run.stderr, "cleanup: ")
    destroyed = re.fullmatch(r"cleanup: destroyed all \d+ resources; nothing of ours left in the emulator; emulator stopped", cleanup)
    said_what_is_left = (
        "did not finish within 30 s of SIGINT" in cleanup
        and "terraform destroy terraform destroy" not in cleanup
        and "stale state is in terraform-state/local/platform.tfstate" in cleanup
    )
    assert destroyed or said_what_is_left, cleanup
    assert "Traceback" not in run.stderr
    assert_nothing_left(run, repo)


@pytest.mark.emulator
def test_sigterm_to_make_stops_the_run_and_leaves_nothing(repo: Path) -> None:
    (repo / ".venv").joinpath(".synced").exists() or pytest.skip("the environment was not installed by make setup")
    run = Run.start(["make", "--no-print-directory", "local"], repo)
    run.wait_for_output("==> terraform init")
    os.kill(run.process.pid, signal.SIGTERM)  # make alone; it passes SIGTERM on to the runner
    assert run.finish() != 0
    assert "FAILED: interrupted by SIGTERM during terraform" in run.stderr
    assert "Traceback" not in run.stderr
    assert_nothing_left(run, repo)


@pytest.mark.emulator
def test_a_killed_runner_takes_its_children_with_it(repo: Path) -> None:
    run = Run.start(RUNNER, repo)
    run.wait_for_output("==> terraform init")
    os.kill(run.process.pid, signal.SIGKILL)  # no chance to clean up: PR_SET_PDEATHSIG must
    run.finish()
    leftovers = [item for item in run.leftovers(repo) if not item.startswith("lock file")]
    assert leftovers == []  # the lock file stays, but unlocked: the next run takes it
