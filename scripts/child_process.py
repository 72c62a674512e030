"""Child processes that cannot outlive the runner, and a wait that can be cut short.

Every child of `make local` (the emulator, terraform, pytest) starts in its own session, so a
Ctrl-C at the terminal reaches only the runner, which decides what each child gets; and with
PR_SET_PDEATHSIG, so the kernel kills it if the runner dies without cleaning up (SIGKILL
from outside, a crash). The watched wait polls a `stop` callback (a signal arrived, the
emulator exited) and stops the child gracefully when it says so.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app_support.process_lifetime import die_with_parent

POLL_SECONDS = 0.2


def _preexec(parent: int) -> Callable[[], None]:
    return lambda: die_with_parent(signal.SIGKILL, parent)


def start(command: Sequence[str], **popen_args: object) -> subprocess.Popen:
    """Starts `command` in its own session, dying with this process."""
    return subprocess.Popen(list(command), start_new_session=True, preexec_fn=_preexec(os.getpid()), **popen_args)


def stop(process: subprocess.Popen, *, first: int = signal.SIGTERM, grace: float = 10.0) -> None:
    """Sends `first` to the child's process group, then SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        _kill_group(process.pid, signal.SIGKILL)  # anything it left in its group
        return
    _kill_group(process.pid, first)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    _kill_group(process.pid, signal.SIGKILL)
    process.wait()


def stop_all(processes: Sequence[subprocess.Popen], *, first: int, grace: float) -> None:
    """`first` to every running child's group at once (once: a second SIGINT makes Terraform
    quit without saving state), then SIGKILL to those still running after `grace` seconds."""
    for process in processes:
        if process.poll() is None:
            _kill_group(process.pid, first)
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        _kill_group(process.pid, signal.SIGKILL)
        process.wait()


def _kill_group(group: int, signal_number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal_number)


class Stopped(Exception):
    """A watched wait was cut short; the message says why (what `stop` returned)."""


@dataclass(frozen=True)
class Finished:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str


def run(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    should_stop: Callable[[], str | None],
    grace: float = 10.0,
    timeout: float | None = None,
) -> Finished:
    """Runs `command` to completion unless `should_stop()` returns a reason (or `timeout` passes)."""
    return run_together([(command, cwd, env)], should_stop=should_stop, grace=grace, timeout=timeout)[0]


def run_together(
    commands: Sequence[tuple[Sequence[str], Path, dict[str, str]]],
    *,
    should_stop: Callable[[], str | None],
    grace: float = 10.0,
    timeout: float | None = None,
) -> list[Finished]:
    """Runs (command, cwd, env) triples side by side until all finish, or stops them all.

    Output goes to temporary files, not pipes, so a chatty child can never block. When told to
    stop, each child gets SIGINT (Terraform then stops gracefully), SIGKILL after `grace`.
    Children are started from this (the main) thread: PR_SET_PDEATHSIG fires when the thread
    that started a child ends, not only the process.
    """
    with contextlib.ExitStack() as files:
        outputs = [(files.enter_context(tempfile.TemporaryFile("w+")), files.enter_context(tempfile.TemporaryFile("w+"))) for _ in commands]
        processes: list[subprocess.Popen] = []
        try:
            for (command, cwd, env), (out, err) in zip(commands, outputs, strict=True):
                processes.append(start(command, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, text=True))
            deadline = None if timeout is None else time.monotonic() + timeout
            while any(process.poll() is None for process in processes):
                reason = should_stop()
                if reason is None and deadline is not None and time.monotonic() > deadline:
                    reason = f"did not finish within {timeout:.0f} s"
                if reason is not None:
                    stop_all(processes, first=signal.SIGINT, grace=grace)
                    raise Stopped(reason)
                time.sleep(POLL_SECONDS)
        finally:
            for process in processes:
                stop(process, grace=0)  # also what a killed terraform left in its group (providers)
        results = []
        for process, (command, _, _), (out, err) in zip(processes, commands, outputs, strict=True):
            out.seek(0)
            err.seek(0)
            results.append(Finished(list(command), process.returncode, out.read(), err.read()))
        return results
