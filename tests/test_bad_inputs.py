"""Every invalid configuration or values file in tests/bad_inputs/ is refused before anything is written.

Each case changes files of a copy of the repository and runs `tap.py` there, as a user would.
The contract: exit status 2, exactly one line on stderr naming the file, the field and the
rule, no traceback, no cdktf.out/ (or the one the case put there, untouched), and an answer
within the subprocess timeout (a hang or an alias bomb fails the case, not the machine).

A case is a YAML file with `environment`, `expect` (text the error line contains, or a list of
such texts) and any of
these changes, applied in this order:

    remove:       [path, ...]             delete a file or folder
    mkdir:        [path, ...]             a directory where a file is expected
    write:        {path: text}            the file's whole content, as raw text (duplicate keys, aliases)
    write_base64: {path: base64}          the file's whole content, as raw bytes (not UTF-8)
    append:       {path: text}            raw text added at the end of the file
    append_lines: {path: {line, count}}   `line` (with {i} the line's index) added `count` times
    grow:         {path: bytes}           a YAML comment appended until the file has this many bytes
    symlink:      {path: target}          the path becomes a symlink to target (absolute, or relative to it)
    arguments:    [argument, ...]         tap.py's arguments (default: [environment])
    environment_variables: {name: value}  set for tap.py's run (CDKTF_OUTDIR, TAP_ENV, TAP_BASE_REF)
    git:          true                    commit the copy as branch main first; the changes are then new on a branch
    edit:         {path: patch}           a YAML patch merged into the file (null removes a key)
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.loader import deep_merge

CASES_DIR = Path(__file__).with_name("bad_inputs")
CASES = sorted(CASES_DIR.glob("*.yaml"))
# Every case is refused in seconds; this bounds a hang (or an expanding alias bomb).
TIMEOUT_SECONDS = 120

pytestmark = pytest.mark.slow


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 240


def apply_edit(path: Path, patch: dict[str, Any]) -> None:
    current = yaml.safe_load(path.read_text()) if path.exists() else {}
    merged = deep_merge(current or {}, patch)
    merged = {key: value for key, value in merged.items() if value is not None}  # null removes a field
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(merged))


def _replace(path: Path) -> Path:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def apply_case(spec: dict[str, Any], repo: Path) -> None:
    for relative in spec.get("remove", []):
        _replace(repo / relative)
    for relative in spec.get("mkdir", []):
        _replace(repo / relative).mkdir()
    for relative, text in spec.get("write", {}).items():
        _replace(repo / relative).write_text(text)
    for relative, encoded in spec.get("write_base64", {}).items():
        _replace(repo / relative).write_bytes(base64.b64decode(encoded))
    for relative, text in spec.get("append", {}).items():
        with (repo / relative).open("a") as stream:
            stream.write(text)
    for relative, repeat in spec.get("append_lines", {}).items():
        with (repo / relative).open("a") as stream:
            stream.write("".join(repeat["line"].format(i=index) for index in range(repeat["count"])))
    for relative, size in spec.get("grow", {}).items():
        path = repo / relative
        missing = size - path.stat().st_size
        with path.open("a") as stream:
            stream.write(("#" + "x" * 78 + "\n") * (missing // 80 + 1))
    for relative, target in spec.get("symlink", {}).items():
        _replace(repo / relative).symlink_to(target)
    for relative, patch in spec.get("edit", {}).items():
        apply_edit(repo / relative, patch)


def commit_as_main(repo: Path) -> None:
    """`git: true`: the copy becomes a repository whose main branch holds it as it is, and the case's edits are made
    on a branch: what config/blame.py calls new relative to the merge base."""
    identity = ["-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid", "-c", "commit.gpgsign=false"]
    commands = (["init", "-q", "-b", "main"], ["add", "-A"], [*identity, "commit", "-q", "-m", "base"], ["checkout", "-q", "-b", "change"])
    for command in commands:
        subprocess.run(["git", "-C", str(repo), *command], check=True, capture_output=True, timeout=60)


def snapshot(path: Path) -> object:
    """What is at `path`, never following a link to list or write: None, a file's bytes, a link's target
    (and the bytes of the file it names, so a write through it shows), or a folder's entries."""
    if not os.path.lexists(path):
        return None
    if path.is_symlink():
        return ("link", os.readlink(path), path.read_bytes() if path.is_file() else None)
    if path.is_dir():
        return {child.name: snapshot(child) for child in sorted(path.iterdir())}
    return path.read_bytes()


def generate(repo: Path, spec: dict[str, Any]) -> None:
    """`generate: {services: N, ingress: {...}, distinct_ports: true, reaches: [...]}`: N more services written as
    data, for the quota cases (each with a container port of its own, or reaching the listed services)."""
    from scripts.generate_services import write_services

    names = write_services(repo / "services", spec["services"], ingress=spec.get("ingress"))
    for index, name in enumerate(names):
        folder = repo / "services" / name
        if spec.get("distinct_ports"):
            apply_edit(folder / "values.yaml", {"containerPort": 20000 + index})
        if "reaches" in spec:
            apply_edit(folder / "service.yaml", {"reaches": spec["reaches"]})


@dataclass(frozen=True)
class Outcome:
    """What one case's `tap.py` run did, and what it left in its copy of the repository."""

    spec: dict[str, Any]
    returncode: int
    stderr: str
    output_before: object
    output_after: object
    staging_left: list[str]
    seconds: float


def run_case(case: Path, repo_copy: Path, root: Path) -> Outcome:
    """The case run in its own copy of the repository, which is removed once its outcome is taken: 300 copies
    left in pytest's temporary folder would be deleted by a later pytest session instead (`make local`'s checks
    spent minutes on a previous `make test`'s)."""
    try:
        return _run_case(case, root / case.stem, repo_copy)
    finally:
        shutil.rmtree(root / case.stem, ignore_errors=True)


def _run_case(case: Path, repo: Path, repo_copy: Path) -> Outcome:
    spec = yaml.safe_load(case.read_text())
    # Everything `tap.py` may read; the test suite (two thirds of the files) is not part of it.
    shutil.copytree(repo_copy, repo, symlinks=True, ignore=lambda folder, _: ["tests"] if folder == str(repo_copy) else [])
    if spec.get("git"):
        commit_as_main(repo)
    apply_case(spec, repo)
    output_before = snapshot(repo / "cdktf.out")
    if "generate" in spec:
        generate(repo, spec["generate"])
    arguments = spec.get("arguments", [spec["environment"]])
    started = time.perf_counter()
    environment = {**os.environ, **spec.get("environment_variables", {})}
    result = subprocess.run(
        [sys.executable, "tap.py", *arguments], cwd=repo, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=environment
    )
    seconds = time.perf_counter() - started
    return Outcome(
        spec=spec,
        returncode=result.returncode,
        stderr=result.stderr,
        output_before=output_before,
        output_after=snapshot(repo / "cdktf.out"),
        staging_left=[path.name for path in repo.glob(".synth-*")],
        seconds=seconds,
    )


@pytest.fixture(scope="session")
def outcomes(bad_input_runs: dict[str, Future[Outcome]]) -> dict[str, Outcome]:
    """Every case, run as a user would (`tap.py` in its own copy of the repository). The runs start with the
    session (tests/conftest.py: bad_input_runs), a case per core, and go on while other tests run."""
    return {name: future.result() for name, future in bad_input_runs.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_input_is_refused_with_one_clear_line(case: Path, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.stem]
    lines = outcome.stderr.strip().splitlines()
    errors = [line for line in lines if not line.startswith("warning: ")]
    assert outcome.returncode == 2, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert len(errors) == 1, outcome.stderr
    assert errors[0].startswith("error: ")
    expected = [outcome.spec["expect"]] if isinstance(outcome.spec["expect"], str) else outcome.spec["expect"]
    for text in expected:
        assert text in errors[0]
    # Nothing written: no cdktf.out/ where there was none, and the one the case put there (links, and the files
    # they name, included) exactly as it was.
    assert outcome.output_after == outcome.output_before
    assert not outcome.staging_left, "a staging directory was left behind"


if __name__ == "__main__":
    # The refusal times, measured outside the tests (which assert no times): python -m tests.test_bad_inputs [CASE ...]
    import tempfile

    from tests.repo_copy import copy_sources

    chosen = [CASES_DIR / f"{name}.yaml" for name in sys.argv[1:]] or CASES
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(__file__).resolve().parent.parent
        copy = copy_sources(source, Path(scratch) / "repo")
        timings = []
        for case in chosen:
            outcome = run_case(case, copy, Path(scratch))
            first = (outcome.stderr.strip().splitlines() or [""])[-1]
            timings.append((outcome.seconds, case.stem))
            print(f"{outcome.seconds:6.2f}s {outcome.returncode} {case.stem}: {first[:160]}", flush=True)
        slowest = max(timings)
        print(f"{len(timings)} cases; slowest {slowest[1]} in {slowest[0]:.2f}s")
