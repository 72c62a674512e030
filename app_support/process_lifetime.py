"""Processes that end with their parent, and signals that end a command in one line.

PR_SET_PDEATHSIG asks the Linux kernel to signal a process when the thread that started it
ends, so a child never outlives a parent that was killed without a chance to clean up.
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; a BaseException so no `except Exception` swallows it."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.exit_status = 128 + number


def die_with_parent(signal_number: int, parent: int) -> None:
    """Asks the kernel to send `signal_number` to this process when `parent` dies (Linux only)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request took effect


def raise_on_signals() -> None:
    """SIGINT and SIGTERM raise Interrupted once; later ones are ignored, so cleanup can finish."""

    def interrupted(number: int, _frame: object) -> None:
        for each in (signal.SIGINT, signal.SIGTERM):
            signal.signal(each, signal.SIG_IGN)
        raise Interrupted(number)

    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, interrupted)
