"""The checkout lock and the one-line failure causes of `make local` (fast: no emulator)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from scripts.run_lock import LockHeld, checkout_lock
from scripts.terraform import describe_failure


def test_the_lock_names_its_holder_and_is_gone_after(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    with checkout_lock(lock):
        assert lock.read_text().strip() == str(os.getpid())
        with pytest.raises(LockHeld, match=rf"PID {os.getpid()}; lock file {lock}"), checkout_lock(lock):
            pass
    assert not lock.exists()


def test_a_lock_file_left_by_a_killed_run_is_taken(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    lock.write_text("999999\n")  # no process holds a flock on it
    with checkout_lock(lock), lock.open() as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_terraform_failures_are_one_line_with_the_first_error() -> None:
    plain = "\n│ Error: creating EKS Cluster (tap-local): InvalidParameterException: bad\n│ \n│   with aws_eks_cluster.x,\n"
    assert describe_failure(["terraform", "apply"], 1, "", plain) == (
        "terraform apply failed: Error: creating EKS Cluster (tap-local): InvalidParameterException: bad"
    )
    diagnostic = '"diagnostic":{"severity":"error","summary":"Failed to save state","detail":"write x: no space left on device"}'
    as_json = '{"@level":"error","type":"diagnostic",' + diagnostic + "}"
    assert describe_failure(["terraform", "apply", "-json"], 1, as_json, "").startswith(
        "no space left on device (terraform apply: Error: Failed to save state: write x: no space left on device)"
    )
    assert describe_failure(["/bin/terraform", "init", "-input=false"], 1, "", "") == (
        "terraform init exited 1 with no output (command: /bin/terraform init -input=false)"
    )


def test_the_integration_summary_says_why_checks_were_skipped() -> None:
    from scripts.child_process import Finished
    from scripts.local_run import LocalRun

    pytest_output = (
        "........\nSKIPPED [6] tests/integration/test_cluster.py:26: no cluster: set KUBECONFIG to a kubeconfig\n"
        "8 passed, 6 skipped in 5.82s\n"
    )
    summary = LocalRun.integration_summary(Finished(["pytest"], 0, pytest_output, ""))
    assert summary == "8 passed, 6 skipped in 5.82s (skipped: no cluster: set KUBECONFIG to a kubeconfig)"
