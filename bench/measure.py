"""One command's wall time and the peak resident memory of its whole process tree (bench/run.py, bench/scale.py).

Peak memory is the largest sum of resident memory over the process and all its descendants (the synth
forks node runtimes), sampled every 20 ms from /proc.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}


def tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
        except (OSError, KeyError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            rss = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
            total += int(rss.group(1)) if rss else 0
        except OSError:
            pass
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str], *, cwd: Path = REPO_ROOT, check: bool = True) -> tuple[float, int, str]:
    """(wall seconds, peak tree memory in MB, stdout) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    done.set()
    sampler.join()
    if check and process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}")
    return time.perf_counter() - started, peak // 1024, output


def median_of(runs: int, command: list[str]) -> tuple[float, int, str]:
    results = [measure(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]
