"""Running `make local` (or tap.py) in a copy of the repository and watching its whole process tree.

The fault tests inject real faults: they kill the real emulator, send real signals to the real
runner (or to make), put a real `terraform` that exits silently on PATH, fill a real (tmpfs)
file system. Afterwards nothing may be left: no process of the run, no listening port, no
lock file, no staging folder.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

VENV = Path(sys.executable).parent.parent


def copy_repo(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    (target / ".venv").symlink_to(VENV)  # for `make local`, which runs .venv/bin/python
    return target


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            if int(fields["PPid"]) == pid:
                found.append(int(fields["Pid"]))
        except (OSError, KeyError, ValueError):
            continue
    return found


def descendants(pid: int) -> list[int]:
    every, stack = [], [pid]
    while stack:
        for child in children(stack.pop()):
            every.append(child)
            stack.append(child)
    return every


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


@dataclass
class Run:
    """A command started in its own session; its process tree is sampled while it runs."""

    process: subprocess.Popen
    seen: set[int] = field(default_factory=set)
    ports: set[int] = field(default_factory=set)
    stdout: str = ""
    stderr: str = ""
    _lines: list[str] = field(default_factory=list)
    _errors: list[str] = field(default_factory=list)
    _readers: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
        environment = {**os.environ, **(env or {})}
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        process = subprocess.Popen(command, cwd=cwd, env=environment, text=True, start_new_session=True, **pipes)
        run = cls(process)
        threading.Thread(target=run._sample, daemon=True).start()
        streams = ((process.stdout, run._lines), (process.stderr, run._errors))
        readers = [threading.Thread(target=run._read, args=stream, daemon=True) for stream in streams]
        for reader in readers:
            reader.start()
        run._readers = readers
        return run

    def _sample(self) -> None:
        while self.process.poll() is None:
            for pid in descendants(self.process.pid):
                self.seen.add(pid)
                arguments = command_line(pid)
                if "scripts.emulator" in arguments and "-p" in arguments:
                    self.ports.add(int(arguments[arguments.index("-p") + 1]))
            time.sleep(0.1)

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    def wait_for_output(self, text: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self._lines):
            assert self.process.poll() is None, f"exited before {text!r}: {''.join(self._lines)}{''.join(self._errors)}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s"
            time.sleep(0.1)

    def pids_of(self, program: str) -> list[int]:
        return [pid for pid in descendants(self.process.pid) if any(a.endswith(program) for a in command_line(pid))]

    def finish(self, timeout: float = 300) -> int:
        self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        self.stdout, self.stderr = "".join(self._lines), "".join(self._errors)
        return self.process.returncode

    def leftovers(self, repo: Path) -> list[str]:
        """Whatever the run left: processes, listening ports, the lock file, staging folders."""
        deadline = time.monotonic() + 10  # a killed process group takes a moment to be reaped
        while any(alive(pid) for pid in self.seen) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [f"process {pid} {' '.join(command_line(pid))}" for pid in sorted(self.seen) if alive(pid)]
        for port in self.ports:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    left.append(f"port {port} still listening")
        lock = repo / "terraform-state" / "local" / "run.lock"
        if lock.exists():
            left.append(f"lock file {lock}")
        left += [f"staging folder {p}" for p in repo.rglob(".synth-*")]
        return left


def one_line(stderr: str, prefix: str) -> str:
    """The single stderr line starting with `prefix` (exactly one must exist)."""
    lines = [line for line in stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, stderr
    return lines[0]


def emulator_port(stdout: str) -> int | None:
    found = re.search(r"emulator at http://127\.0\.0\.1:(\d+)", stdout)
    return int(found.group(1)) if found else None
