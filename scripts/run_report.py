"""What `make local` prints about its steps (what it checks is gone after the destroy: scripts/leftovers.py)."""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}


@dataclass
class Report:
    steps: list[tuple[str, float, str]] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[list[str]]:
        print(f"==> {title}", flush=True)
        notes: list[str] = []
        started = time.perf_counter()
        try:
            yield notes
        except BaseException:
            self.steps.append((title, time.perf_counter() - started, "FAILED"))
            raise
        elapsed = time.perf_counter() - started
        self.steps.append((title, elapsed, "; ".join(notes) or "ok"))
        print(f"    done in {elapsed:.1f}s{': ' + '; '.join(notes) if notes else ''}", flush=True)

    def summary(self, total: float) -> str:
        if not self.steps:
            return ""
        width = max(len(title) for title, _, _ in self.steps)
        lines = [f"  {title:<{width}}  {seconds:6.1f}s  {result}" for title, seconds, result in self.steps]
        total_line = f"  {'total (wall clock)':<{width}}  {total:6.1f}s"
        return "\n".join(["", "Summary (steps joined by | ran side by side)", *lines, total_line])


def describe_os_error(error: OSError) -> str:
    """A file-system error as one line a user can act on."""
    where = error.filename or ""
    if error.errno == errno.ENOSPC:
        return f"no space left on device: {where}".rstrip(": ")
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied: {where}".rstrip(": ")
    if error.errno == errno.EROFS:
        return f"read-only file system: {where}".rstrip(": ")
    return f"{error.strerror or error}: {where}".rstrip(": ")
