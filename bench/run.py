#!/usr/bin/env python3
"""Benchmark of the inner loop: synthesis, its import floor, memory, and the test tiers.

    make bench                 # synth, floor and test tiers (about 3 minutes)
    make bench ARGS=--emulator # also `make local` (--runs times): median per step, EKS delete wait, load
    make bench ARGS=--emulator-only  # only those rows

Each figure is the median of --runs runs (synth) with a warm jsii cache. Peak memory is the
largest sum of resident memory over the whole process tree (the two synth processes run at
the same time), sampled every 20 ms from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

# The provider modules each stack imports, found by importing the stacks (run in a child).
LIST_MODULES = """
import sys, json
import eks_platform.stack, workloads.stack
print(json.dumps(sorted(m for m in sys.modules if m.startswith("cdktf_cdktf_provider_") and m.count(".") == 1)))
"""
# The floor: import exactly those modules (and cdktf), nothing else, in one process.
IMPORT_FLOOR = """
import json, sys, time
started = time.perf_counter()
from app_support import provider_bindings
provider_bindings.install_all()
import importlib, cdktf
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
print(time.perf_counter() - started)
"""
# The naive way: whole provider packages imported, both stacks in one App, one process.
NAIVE_SYNTH = """
import cdktf_cdktf_provider_aws, cdktf_cdktf_provider_kubernetes, cdktf_cdktf_provider_helm
from cdktf import App
from config.loader import load_environment
from eks_platform.stack import PlatformStack
from workloads.stack import WorkloadsStack
config = load_environment("dev")
app = App(outdir=sys.argv[1])
PlatformStack(app, config)
WorkloadsStack(app, config)
app.synth()
"""


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


def measure(command: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak tree memory in MB, stdout) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}")
    return time.perf_counter() - started, peak // 1024, output


def median_of(runs: int, command: list[str]) -> tuple[float, int, str]:
    results = [measure(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def pytest_seconds(*args: str) -> tuple[float, str]:
    wall, _, output = measure([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args])
    return wall, output.strip().splitlines()[-1]


LOCAL_STEPS = (
    "start the AWS emulator (moto) and synthesize the local environment",
    "terraform init",
    "terraform apply",
    "integration checks | re-plan: nothing may change",
    "terraform destroy and the leftovers check",
)


def emulator_rows(runs: int) -> list[tuple[str, str, str]]:
    """`make local` --runs times: the median of each step and of the whole, the load seen, and
    the EKS cluster's delete time (the provider waits a random 0-60 s before DeleteCluster)."""
    walls, loads, cluster_deletes = [], [], []
    steps: dict[str, list[float]] = {step: [] for step in LOCAL_STEPS}
    for _ in range(runs):
        wall, _, output = measure([PYTHON, "-m", "scripts.local_run"])
        walls.append(wall)
        loads.append(os.getloadavg()[0])
        for step in LOCAL_STEPS:
            found = re.search(rf"^  {re.escape(step)}\s+([\d.]+)s", output, re.MULTILINE)
            if found:
                steps[step].append(float(found.group(1)))
        cluster_deletes.append(resource_seconds(REPO_ROOT / "terraform-state" / "local" / "destroy.jsonl", "aws_eks_cluster."))
    rows = [(f"emulator: {step}", f"{statistics.median(times):.1f} s" if times else "?", "median") for step, times in steps.items()]
    rows.append(("emulator: EKS cluster delete, each run", ", ".join(f"{s:.0f} s" for s in cluster_deletes), "random 0-60 s wait"))
    rows.append(("emulator: whole `make local`", f"{statistics.median(walls):.1f} s", f"runs: {', '.join(f'{w:.0f}' for w in walls)} s"))
    rows.append(("load average (1 min) after each run", ", ".join(f"{load:.1f}" for load in loads), "2 cores"))
    return rows


def resource_seconds(jsonl: Path, address_prefix: str) -> float:
    """How long Terraform's `-json` log says the first resource at `address_prefix` took."""
    for line in jsonl.read_text().splitlines() if jsonl.exists() else []:
        message = json.loads(line)
        hook = message.get("hook", {})
        if message.get("type") == "apply_complete" and hook.get("resource", {}).get("addr", "").startswith(address_prefix):
            return float(hook.get("elapsed_seconds", 0))
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--emulator", action="store_true", help="also run make local and report its step times")
    parser.add_argument("--emulator-only", action="store_true", help="only the make local rows")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    if args.emulator_only:
        return report(emulator_rows(args.runs), args.json)

    modules = subprocess.run([PYTHON, "-c", LIST_MODULES], cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, check=True)
    module_list = modules.stdout.strip()
    measure([PYTHON, "tap.py", "dev"])  # warm the jsii cache and the page cache
    floor_runs = [float(measure([PYTHON, "-c", IMPORT_FLOOR, module_list])[2]) for _ in range(args.runs)]
    floor = statistics.median(floor_runs)
    synth, synth_mb, _ = median_of(args.runs, [PYTHON, "tap.py", "dev"])
    naive, naive_mb, _ = median_of(args.runs, [PYTHON, "-c", "import sys\n" + NAIVE_SYNTH, "/tmp/tap-bench-naive"])
    unit, unit_summary = pytest_seconds("-m", "not slow and not integration")
    full, full_summary = pytest_seconds("-m", "not integration")

    rows = [
        ("import floor (provider modules the app uses, one process)", f"{floor:.1f} s", ""),
        ("synth, both stacks (`python tap.py dev`, parallel processes)", f"{synth:.1f} s", f"{synth_mb} MB peak"),
        ("synth / floor", f"{synth / floor:.2f}", "target <= 1.15"),
        ("naive synth (whole provider packages, one process)", f"{naive:.1f} s", f"{naive_mb} MB peak"),
        ("unit tier (`make test-unit`)", f"{unit:.1f} s", unit_summary),
        ("full suite (`make test`)", f"{full:.1f} s", full_summary),
    ]
    if args.emulator or args.emulator_only:
        rows += emulator_rows(args.runs)
    return report(rows, args.json)


def report(rows: list[tuple[str, str, str]], json_path: Path | None) -> int:
    print("| measure | value | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    if json_path:
        json_path.write_text(json.dumps({name: {"value": value, "note": note} for name, value, note in rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
