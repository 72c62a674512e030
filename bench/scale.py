"""`make bench ARGS=--scale`: how the inner loop grows with the number of services.

For each size (3, 10, 30, 100 services) a scratch copy of the repository gets the shipped
services plus generated ones (scripts/generate_services.py, data only), and this measures in
it: `python tap.py dev` (wall time, peak memory of the process tree), the Helm values check
(every service rendered), the checkov gate on dev's stacks and releases, the unit tier, and
`terraform plan` of the local platform stack against moto on loopback. `--apply N` also
applies, re-plans and destroys an N-service platform on the emulator (scripts/local_run.py).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SIZES = (3, 10, 30, 100)
SHIPPED = 3
IGNORE = shutil.ignore_patterns(
    ".venv", ".tools", "cdktf.out", "terraform-state", ".git", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis"
)
VALUES_CHECK = """
import time
from config.loader import load_environment
from workloads.service_chart import check_all_service_values
config = load_environment("dev")
started = time.perf_counter()
check_all_service_values(config)
print(time.perf_counter() - started)
"""
GATE = """
import time
from pathlib import Path
from scripts.policy_gate import gate, problems, rendered_manifests
started = time.perf_counter()
results = gate(sorted(Path("cdktf.out/stacks").glob("tap-*-dev")), rendered_manifests(["dev"]))
found = problems(results)
print(time.perf_counter() - started, len(found), found[:3])
"""
PLAN = """
import subprocess, sys, time
from scripts import terraform
from scripts.local_run import EMULATOR_CREDENTIALS, emulator
from pathlib import Path
stack = Path("cdktf.out/stacks/tap-platform-local")
Path("terraform-state/local").mkdir(parents=True, exist_ok=True)
with emulator(Path("terraform-state/local/moto.log")) as endpoint:
    env = {**EMULATOR_CREDENTIALS, "AWS_REGION": "us-east-1", "TF_VAR_emulator_endpoint": endpoint}
    terraform.init(stack, extra_env=env)
    started = time.perf_counter()
    plan = terraform.run(stack, "plan", "-input=false", "-no-color", "-refresh=false", extra_env=env)
    elapsed = time.perf_counter() - started
found = [line for line in plan.stdout.splitlines() if line.startswith("Plan:")]
print(elapsed, found[0] if found else "?")
"""


def scratch_copy(repo_root: Path, services: int, parent: Path) -> Path:
    """The repository with `services` services: the shipped ones plus generated ones."""
    target = parent / f"repo-{services}"
    shutil.copytree(repo_root, target, ignore=IGNORE)
    for link in (".venv", ".tools"):
        if (repo_root / link).exists():
            (target / link).symlink_to((repo_root / link).resolve())
    if services > SHIPPED:
        subprocess.run(
            [sys.executable, "-m", "scripts.generate_services", "services", str(services - SHIPPED)],
            cwd=target,
            check=True,
            capture_output=True,
        )
    return target


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure_sizes(
    repo_root: Path,
    sizes: tuple[int, ...],
    measure: Callable[..., tuple[float, int, str]],
    progress: Callable[[str], None],
    *,
    runs: int = 3,
    apply: int | None = None,
    partial: Callable[[dict[int, dict[str, object]]], None] = lambda results: None,
) -> dict[int, dict[str, object]]:
    """size -> {measure: value}; `measure(command, cwd=..., check=...)` returns (seconds, peak MB, stdout).

    Phases run over all sizes before the next phase, cheapest first, and the synth runs are
    interleaved (3, 10, 30, 100, 3, 10, ...), so a change in the machine's load between runs
    falls on every size alike. The 1-minute load average is recorded beside each phase.
    """
    results: dict[int, dict[str, object]] = {size: {"load": {}} for size in sizes}
    with tempfile.TemporaryDirectory(prefix="tap-scale-") as scratch:
        repos = {size: scratch_copy(repo_root, size, Path(scratch)) for size in sizes}

        def phase(name: str, run: Callable[[int, Path], None]) -> None:
            for size, repo in repos.items():
                progress(f"{size} services: {name} (load average {load_average():.1f})")
                results[size]["load"][name] = load_average()  # type: ignore[index]
                run(size, repo)
            partial(results)

        synth_runs: dict[int, list[tuple[float, int]]] = {size: [] for size in sizes}
        for repo in repos.values():
            measure([sys.executable, "tap.py", "dev"], cwd=repo)  # warm the page cache for this copy
        for attempt in range(runs):
            for size, repo in repos.items():
                progress(f"{size} services: synth run {attempt + 1} of {runs} (load average {load_average():.1f})")
                wall, peak, _ = measure([sys.executable, "tap.py", "dev"], cwd=repo)
                synth_runs[size].append((wall, peak))
        for size, measured in synth_runs.items():
            results[size]["synth_s"] = statistics.median(wall for wall, _ in measured)
            results[size]["synth_mb"] = max(peak for _, peak in measured)
        partial(results)

        def values_check(size: int, repo: Path) -> None:
            results[size]["values_s"] = float(measure([sys.executable, "-c", VALUES_CHECK], cwd=repo)[2])

        def checkov(size: int, repo: Path) -> None:
            seconds, problems, _ = measure([sys.executable, "-c", GATE], cwd=repo)[2].split(" ", 2)
            results[size]["gate_s"], results[size]["gate_problems"] = float(seconds), int(problems)

        def plan(size: int, repo: Path) -> None:
            measure([sys.executable, "tap.py", "local"], cwd=repo)
            seconds, summary = measure([sys.executable, "-c", PLAN], cwd=repo)[2].split(" ", 1)
            results[size]["plan_s"], results[size]["plan_summary"] = float(seconds), summary.strip()

        def unit_tier(size: int, repo: Path) -> None:
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow and not integration"]
            wall, _, output = measure(command, cwd=repo, check=False)
            results[size]["unit_s"], results[size]["unit_summary"] = wall, (output.strip().splitlines() or ["?"])[-1].strip("= ")

        phase("Helm values check", values_check)
        phase("checkov gate (dev)", checkov)
        phase("terraform plan of the platform stack on the emulator", plan)
        if apply in repos:
            progress(f"{apply} services: apply, re-plan and destroy on the emulator (scripts/local_run.py)")
            wall, _, output = measure([sys.executable, "-m", "scripts.local_run"], cwd=repos[apply], check=False)
            steps = {}
            for step in ("terraform apply", "re-plan: nothing may change", "terraform destroy"):
                found = re.search(rf"^  {re.escape(step)}\s+([\d.]+)s\s+(.*)$", output, re.MULTILINE)
                steps[step] = (float(found.group(1)), found.group(2)) if found else (None, "not reached")
            results[apply]["emulator"] = {"steps": steps, "wall_s": wall, "passed": "re-planned clean and was destroyed" in output}
            partial(results)
        phase("unit tier", unit_tier)
    return results


def per_service(results: dict[int, dict[str, object]], key: str) -> float:
    """Slope between the smallest and the largest size, in seconds per service."""
    small, large = min(results), max(results)
    return (float(results[large][key]) - float(results[small][key])) / (large - small)  # type: ignore[arg-type]


def table(results: dict[int, dict[str, object]]) -> list[tuple[str, ...]]:
    header = ("services", "synth", "peak memory", "values check", "checkov gate (dev)", "unit tier", "plan on emulator")
    rows = [header]
    for size, row in sorted(results.items()):
        if "unit_s" not in row:
            row = {**row, "unit_s": float("nan"), "unit_summary": "not measured"}
        rows.append(
            (
                str(size),
                f"{row['synth_s']:.1f} s",
                f"{row['synth_mb']} MB",
                f"{row['values_s']:.2f} s",
                f"{row['gate_s']:.1f} s" + ("" if not row["gate_problems"] else f" ({row['gate_problems']} failed)"),
                f"{row['unit_s']:.1f} s ({row['unit_summary']})",
                f"{row['plan_s']:.1f} s ({row['plan_summary']})",
            )
        )
    slopes = (
        "per service",
        *(f"{per_service(results, key):.3f} s" for key in ("synth_s",)),
        "",
        *(f"{per_service(results, key):.3f} s" for key in ("values_s", "gate_s", "unit_s", "plan_s")),
    )
    rows.append(slopes)
    return rows


def targets(results: dict[int, dict[str, object]]) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for the scaling goals of issue 12."""
    small, large = min(results), max(results)
    ratio = float(results[large]["synth_s"]) / float(results[small]["synth_s"])  # type: ignore[arg-type]
    memory = int(results[large]["synth_mb"])  # type: ignore[arg-type]
    return [
        (f"synth of {large} services at most 2x that of {small}", f"{ratio:.2f}x", ratio <= 2.0),
        (f"peak memory of the {large}-service synth under 1600 MB", f"{memory} MB", memory < 1600),
    ]
