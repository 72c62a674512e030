"""The embedded AWS emulator: moto's server on loopback, watched while it runs.

moto runs in its own session (a Ctrl-C at the terminal does not reach it; the runner stops it
last, after the teardown that needs it) and dies with the runner (PR_SET_PDEATHSIG). A
watcher thread waits on it: if it exits before the runner stops it, `died()` says so at once,
with its exit status and its log, and every watched wait stops.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from scripts import child_process

VENV_BIN = Path(sys.executable).parent
START_SECONDS = 30


class EmulatorFailed(Exception):
    """The emulator did not start or exited during the run; the message says which, and where its log is."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Emulator:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._stopping = False
        self._exited = threading.Event()
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        with log_path.open("w") as log:
            self.process = child_process.start(
                [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        threading.Thread(target=self._watch, name="emulator-watcher", daemon=True).start()

    def _watch(self) -> None:
        self.process.wait()
        self._exited.set()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return
            except OSError:
                if self._exited.is_set():
                    code = self.process.returncode
                    raise EmulatorFailed(f"the AWS emulator exited (code {code}) while starting; its log: {self.log_path}") from None
                if time.monotonic() > deadline:
                    raise EmulatorFailed(f"the AWS emulator did not answer within {START_SECONDS} s; its log: {self.log_path}") from None
                time.sleep(0.1)

    @property
    def alive(self) -> bool:
        return not self._exited.is_set()

    def died(self, step: str) -> str | None:
        """Why the run must stop, if the emulator exited without being asked to."""
        if self._exited.is_set() and not self._stopping:
            return f"the AWS emulator exited (code {self.process.returncode}) during {step}; its log: {self.log_path}"
        return None

    def stop(self) -> None:
        self._stopping = True
        child_process.stop(self.process, grace=5)
