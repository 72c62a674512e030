"""`make soak`: `make local`'s whole pipeline, several times in a row, on a machine kept busy.

    make soak                  # 5 runs, one busy process per core beside them
    make soak RUNS=10 LOAD=4   # 10 runs, 4 busy processes

`make local` once failed with `InvalidGroup.Duplicate` only on a loaded machine (a race in the
emulator under concurrent requests; scripts/emulator.py says what it was). One green run proves
little about a race: this runs the pipeline RUNS times back to back while LOAD processes spin on
the CPU (the machine's own load comes on top), and reports each run on one line: its outcome,
its time, the load average, and its FAILED line if it failed. Each run's full output is kept in
terraform-state/soak/run-N.log.

Exit status 0 when every run passed, 1 when one failed (all runs are made either way, so the
report shows how often), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from scripts import child_process
from scripts.terraform import REPO_ROOT

LOG_DIR = REPO_ROOT / "terraform-state" / "soak"


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..100")
    return value


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def one_run(number: int) -> tuple[int, float, str]:
    """Runs `python -m scripts.local_run`; returns its exit status, seconds, and its FAILED line (or '')."""
    started = time.perf_counter()
    log = LOG_DIR / f"run-{number}.log"
    with log.open("w") as output:
        command = [sys.executable, "-m", "scripts.local_run"]
        result = subprocess.run(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT, check=False)
    failed = [line for line in log.read_text().splitlines() if line.startswith("FAILED: ")]
    return result.returncode, time.perf_counter() - started, failed[0] if failed else ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make soak", description="make local's pipeline RUNS times under CPU load")
    parser.add_argument("--runs", type=positive, default=5)
    parser.add_argument("--load", type=positive, default=os.cpu_count() or 1, help="busy processes beside the runs")
    try:
        options = parser.parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code else 0
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    print(f"==> make soak: {options.runs} runs of make local's pipeline, {options.load} busy processes beside them; logs in {LOG_DIR}")
    burners = [child_process.start([sys.executable, "-c", "while True: pass"]) for _ in range(options.load)]
    outcomes = []
    try:
        for number in range(1, options.runs + 1):
            code, seconds, failure = one_run(number)
            outcomes.append(code)
            verdict = "passed" if code == 0 else f"FAILED (exit {code}): {failure.removeprefix('FAILED: ') or 'see its log'}"
            print(f"run {number}/{options.runs}: {verdict}; {seconds:.0f} s; load average {load_average()}", flush=True)
    finally:
        for burner in burners:
            child_process.stop(burner, grace=0)
    passed = outcomes.count(0)
    print(f"soak: {passed} of {len(outcomes)} runs passed")
    return 0 if passed == len(outcomes) and outcomes else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
