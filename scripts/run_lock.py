"""One `make local` per checkout: an exclusive flock on a file in the state directory.

The lock file holds the PID of the run that holds it, so a second run can name it. The
kernel drops the lock when the holder exits, however it exits, so a killed run never leaves
a stale lock; the file itself is removed by the holder on a normal exit. The runner's child
processes do not inherit the descriptor (subprocess closes it), so a surviving child can
never keep the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class LockHeld(Exception):
    """Another run holds this checkout's lock; the message names its PID."""


@contextlib.contextmanager
def checkout_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise LockHeld(f"another make local is running in this checkout (PID {holder}; lock file {path})") from None
        # The holder removes the file before it unlocks; if that happened between our open and
        # our flock, we hold a lock on a file nobody else can see: start again.
        try:
            same = os.stat(path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(descriptor)
    try:
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(descriptor)
