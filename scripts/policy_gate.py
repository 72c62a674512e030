"""`make policy`: checkov, offline, on every environment's stacks and every rendered release.

The releases: every service, the Container Insights collector, and the third-party charts as
vendored in charts/vendor/ (rendered with the stack's own values; not scanned, and said so, when
they are not vendored).

One checkov run scans a staging directory holding each environment's synthesized
`cdk.tf.json` files (framework terraform_json) and each service's manifests as the Helm
engine renders them for each environment (framework kubernetes). The gate is zero failed
checks and zero parse errors; a scan that finds nothing to check fails too.

Suppressions: Kubernetes objects carry checkov's own `checkov.io/skipN` annotations, which
checkov applies. Terraform JSON carries `checkov:skip=ID: reason` in a `//` comment of the
block (see app_support/checkov_skips.py), which checkov's terraform_json runner ignores; this gate
applies them, and counts them as skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app_support.checkov_skips import skips_in

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKOV = REPO_ROOT / ".tools" / "checkov" / "bin" / "checkov"
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "CKV_PARSE_ERROR_FAIL": "true", "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}


@dataclass
class FrameworkResult:
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    # Files checkov reported on; a staged file missing here was read as nothing (checkov skips some
    # YAML errors silently: a ': ' inside an unquoted annotation dropped a whole chart once).
    files: set[str] = field(default_factory=set)
    unscanned: list[str] = field(default_factory=list)


def stage(stack_dirs: Iterable[Path], manifests: Mapping[str, str], root: Path) -> None:
    """Copies each stack's JSON to root/terraform/<stack>/ and writes manifests under root/kubernetes/."""
    for stack_dir in stack_dirs:
        target = root / "terraform" / stack_dir.name
        target.mkdir(parents=True)
        shutil.copy(stack_dir / "cdk.tf.json", target / "cdk.tf.json")
    for relative, text in manifests.items():
        path = root / "kubernetes" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run_checkov(root: Path) -> list[dict[str, Any]]:
    if not CHECKOV.exists():
        raise FileNotFoundError(f"checkov is not installed at {CHECKOV.relative_to(REPO_ROOT)}: run `make setup`")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(root), "--framework", "terraform_json", "kubernetes", "--skip-download", "-o", "json", "--compact"],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        check=False,
    )
    if not result.stdout.strip().startswith(("[", "{")):
        raise RuntimeError(f"checkov produced no report (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def block_of(record: dict[str, Any]) -> Mapping[str, Any]:
    """The synthesized block a terraform_json record is about."""
    document = json.loads(Path(record["file_abs_path"]).read_text())
    kind, _, name = record["resource"].partition(".")
    # checkov names blocks "data.<name>", "resource.<name>" or "<type>.<name>", depending on the check;
    # graph checks (CKV2_*) name data sources "<type>.<name>" too.
    section = "data" if kind == "data" else "resource"
    candidates = document.get(section, {}).items()
    if kind not in ("data", "resource"):
        candidates = [(kind, document.get(part, {}).get(kind, {})) for part in ("resource", "data")]
    return next((blocks[name] for _, blocks in candidates if name in blocks), {})


def evaluate(reports: list[dict[str, Any]]) -> dict[str, FrameworkResult]:
    results: dict[str, FrameworkResult] = {}
    for report in reports:
        framework = report["check_type"]
        outcome = results.setdefault(framework, FrameworkResult())
        outcome.passed += len(report["results"]["passed_checks"])
        outcome.parsing_errors += report["results"].get("parsing_errors", [])
        outcome.skipped += [f"{r['check_id']} {r['resource']}" for r in report["results"]["skipped_checks"]]
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            outcome.files.update(r["file_path"] for r in report["results"][kind])
        for record in report["results"]["failed_checks"]:
            label = f"{record['check_id']} {record['resource']} ({record['file_path']})"
            if framework == "terraform_json" and record["check_id"] in skips_in(block_of(record)):
                outcome.skipped.append(label)
            else:
                outcome.failed.append(f"{label}: {record['check_name']}")
    return results


def gate(stack_dirs: Iterable[Path], manifests: Mapping[str, str]) -> dict[str, FrameworkResult]:
    stack_dirs = list(stack_dirs)
    with tempfile.TemporaryDirectory(prefix="policy-") as staging:
        root = Path(staging)
        stage(stack_dirs, manifests, root)
        results = evaluate(run_checkov(root))
        staged = {
            "terraform_json": [f"/terraform/{d.name}/cdk.tf.json" for d in stack_dirs],
            "kubernetes": [f"/kubernetes/{m}" for m in manifests],
        }
        for framework, paths in staged.items():
            outcome = results.setdefault(framework, FrameworkResult())
            unparsed = tuple(outcome.parsing_errors)
            outcome.unscanned = [p for p in paths if p not in outcome.files and not any(e.endswith(p) for e in unparsed)]
        return results


def problems(results: Mapping[str, FrameworkResult]) -> list[str]:
    found = []
    for framework in ("terraform_json", "kubernetes"):
        outcome = results.get(framework)
        if outcome is None or outcome.passed == 0:
            found.append(f"{framework}: nothing was scanned")
            continue
        found += [f"{framework}: FAILED {failure}" for failure in outcome.failed]
        found += [f"{framework}: parse error in {path}" for path in outcome.parsing_errors]
        found += [
            f"{framework}: {path} was read as nothing (checkov found no object in it; is it valid YAML/JSON?)" for path in outcome.unscanned
        ]
    return found


def rendered_manifests(environments: Iterable[str]) -> dict[str, str]:
    from config.loader import load_environment
    from workloads.container_insights import render_collector
    from workloads.service_chart import check_services

    manifests = {}
    for environment in environments:
        config = load_environment(environment)
        for name, files in check_services(config, config.services).manifests.items():
            manifests[f"{environment}/{name}.yaml"] = "\n---\n".join(files.values())
        # The role ARN and the image mirror come from the platform's state at apply; examples of their shape here.
        role = f"arn:aws:iam::111122223333:role/{config.cluster_name}-container-insights"
        mirror = f"111122223333.dkr.ecr.{config.region}.amazonaws.com/{config.cluster_name}-ecr-public"
        collector = render_collector(cluster_name=config.cluster_name, region=config.region, role_arn=role, image_mirror=mirror)
        manifests[f"{environment}/container-insights.yaml"] = "\n---\n".join(collector.values())
    return manifests


def third_party_manifests(synthesized: Mapping[str, tuple[Any, dict[str, Any]]]) -> dict[str, str]:
    """Each environment's third-party releases (environment -> (config, workloads JSON)), rendered from charts/vendor/
    with the stack's values; empty when the charts are not vendored (`make vendor-charts`)."""
    import yaml

    from workloads.third_party_render import chart_of, render_release, third_party_releases, vendored

    if not vendored():
        return {}
    manifests = {}
    for environment, (config, workloads) in synthesized.items():
        for release in third_party_releases(workloads).values():
            manifests[f"{environment}/{chart_of(release)}.yaml"] = yaml.safe_dump_all(render_release(release, config))
    return manifests


def main() -> int:
    from config.loader import environment_names

    environments = environment_names()
    for environment in environments:
        synth = subprocess.run([sys.executable, "tap.py", environment], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        if synth.returncode != 0:
            print(synth.stderr, file=sys.stderr)
            return synth.returncode
    stacks = sorted((REPO_ROOT / "cdktf.out" / "stacks").glob("tap-*"))
    from config.loader import load_environment

    synthesized = {
        env: (load_environment(env), json.loads((REPO_ROOT / "cdktf.out" / "stacks" / f"tap-workloads-{env}" / "cdk.tf.json").read_text()))
        for env in environments
    }
    third_party = third_party_manifests(synthesized)
    if not third_party:
        print("third-party charts not vendored: their releases are not scanned (run `make vendor-charts`)", file=sys.stderr)
    results = gate(stacks, {**rendered_manifests(environments), **third_party})
    print(f"checkov on {len(stacks)} stacks and {len(environments)} environments' releases:")
    for framework, outcome in sorted(results.items()):
        print(
            f"  {framework:<15} passed {outcome.passed:4}  failed {len(outcome.failed):3}  skipped {len(outcome.skipped):3}  "
            f"parse errors {len(outcome.parsing_errors)}"
        )
    found = problems(results)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
