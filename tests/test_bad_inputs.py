"""Every invalid configuration or values file in tests/bad_inputs/ is refused before anything is written.

Each case edits files of a copy of the repository and runs `tap.py` there, as a user would.
The contract: exit status 2, exactly one line on stderr naming the file, the field and the
rule, no traceback, and no cdktf.out/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.loader import deep_merge

CASES_DIR = Path(__file__).with_name("bad_inputs")
CASES = sorted(CASES_DIR.glob("*.yaml"))

pytestmark = pytest.mark.slow


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


def apply_edit(path: Path, patch: dict[str, Any]) -> None:
    current = yaml.safe_load(path.read_text()) if path.exists() else {}
    merged = deep_merge(current or {}, patch)
    merged = {key: value for key, value in merged.items() if value is not None}  # null removes a field
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(merged))


def generate(repo: Path, spec: dict[str, Any]) -> None:
    """`generate: {services: N, ingress: {...}}`: N more services written as data, for the quota cases."""
    from scripts.generate_services import write_services

    write_services(repo / "services", spec["services"], ingress=spec.get("ingress"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_input_is_refused_with_one_clear_line(case: Path, repo_copy: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(case.read_text())
    repo = tmp_path / "repo"
    shutil.copytree(repo_copy, repo, symlinks=True)
    for relative, patch in spec.get("edit", {}).items():
        apply_edit(repo / relative, patch)
    if "generate" in spec:
        generate(repo, spec["generate"])

    result = subprocess.run([sys.executable, "tap.py", spec["environment"]], cwd=repo, capture_output=True, text=True, timeout=120)

    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("warning: ")]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: ")
    assert spec["expect"] in errors[0]
    assert not (repo / "cdktf.out").exists()
