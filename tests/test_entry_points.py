"""What a newcomer sees at the entry points (`python tap.py`, the Makefile, `.ci/run`): a missing or
too old tool is one line and exit status 2, before anything is installed or imported; warnings
read as warnings under the cdktf CLI too; a shortfall is not exit status 0; `make clean` cleans."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.terraform_validate import NOT_VALIDATED, workloads_providers_missing
from tests.conftest import REPO_ROOT, SynthsIntoOneFolder

pytestmark = pytest.mark.slow
MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="GNU make is not on PATH")
SOURCES_ONLY = shutil.ignore_patterns(
    ".venv", ".tools", "cdktf.out", "terraform-state", ".git", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"
)


def tool_dir(tmp_path: Path, *real: str, **scripts: str) -> Path:
    """A PATH directory with `python3` (the interpreter without the project's environment), the named real
    tools, and fake tools that print the given version."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(Path(sys.executable).resolve())
    for name in real:
        (bin_dir / name).symlink_to(shutil.which(name) or pytest.skip(f"{name} is not on PATH"))
    for name, output in scripts.items():
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\necho '{output}'\n")
        tool.chmod(0o755)
    return bin_dir


def run(command: list[str], path: Path | str, cwd: Path = REPO_ROOT, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": str(path), **extra}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def only_line(output: str) -> str:
    lines = output.splitlines()
    assert len(lines) == 1, output
    return lines[0]


def test_tap_without_node_says_so_in_one_line(tmp_path: Path) -> None:
    result = run([sys.executable, "tap.py", "dev"], path=tool_dir(tmp_path))
    assert result.returncode == 2
    assert only_line(result.stderr).startswith("error: node (Node.js) is not on PATH: the cdktf library runs it for every synth")
    assert result.stdout == ""


def test_tap_with_a_node_jsii_does_not_support_says_so(tmp_path: Path) -> None:
    result = run([sys.executable, "tap.py", "dev"], path=tool_dir(tmp_path, node="v18.19.0"))
    assert result.returncode == 2
    assert "is Node.js 18.19; jsii (which runs the cdktf library) needs Node.js 20 or newer" in only_line(result.stderr)


def test_tap_with_a_python_lacking_the_packages_names_them_and_the_command(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    result = run([str(bare / "bin" / "python"), "tap.py", "prod"], path=os.environ["PATH"])
    assert result.returncode == 2
    line = only_line(result.stderr)
    assert "lacks the project's Python packages (cdktf," in line
    assert "run `make synth ENV=prod`" in line
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        ({}, "error: terraform is not on PATH: install Terraform 1.10 or newer"),
        ({"terraform": '{"terraform_version": "1.5.7"}'}, "is Terraform 1.5; this project needs Terraform 1.10 or newer"),
    ],
)
def test_terraform_missing_or_too_old_is_one_line(tmp_path: Path, tools: dict[str, str], expected: str) -> None:
    result = run(["python3", "-m", "app_support.requirements", "terraform"], path=tool_dir(tmp_path, **tools))
    assert result.returncode == 2
    assert expected in only_line(result.stderr)


def test_each_missing_tool_is_one_line_and_the_real_ones_pass(tmp_path: Path) -> None:
    result = run(["python3", "-m", "app_support.requirements", "node", "npm", "terraform"], path=tool_dir(tmp_path))
    assert result.returncode == 2
    assert [line.split(" ")[1] for line in result.stderr.splitlines()] == ["node", "npm", "terraform"]
    if all(shutil.which(tool) for tool in ("node", "terraform")):
        passing = run([sys.executable, "-m", "app_support.requirements", "python", "packages", "node", "terraform"], os.environ["PATH"])
        assert (passing.returncode, passing.stderr) == (0, "")


@needs_make
@pytest.mark.parametrize("checkout", ["installed", "fresh clone"])
def test_make_checks_node_before_installing_anything(tmp_path: Path, checkout: str) -> None:
    repo = REPO_ROOT
    if checkout == "fresh clone":  # no .venv: the checks run with the python3 that would install it
        repo = tmp_path / "repo"
        shutil.copytree(REPO_ROOT, repo, ignore=SOURCES_ONLY)
    result = run([MAKE, "synth", "PYTHON=python3"], path=tool_dir(tmp_path), cwd=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("error: node (Node.js) is not on PATH")
    assert "installing" not in result.stdout


@needs_make
def test_ci_checks_terraform_first(tmp_path: Path) -> None:
    result = run([shutil.which("bash") or "/bin/bash", str(REPO_ROOT / ".ci" / "run")], path=tool_dir(tmp_path, "dirname", "make"))
    assert result.returncode == 2
    assert only_line(result.stderr).startswith("error: terraform is not on PATH")


def test_under_the_cdktf_cli_warnings_go_to_stdout_without_empty_lines(synths_into_one_folder: SynthsIntoOneFolder) -> None:
    """The CLI (which sets CDKTF_OUTDIR) shows every stderr chunk as `[ERROR]` and adds a newline to each stdout chunk.

    The run: `tap.py dev` with CDKTF_OUTDIR, into a folder holding the stacks of an earlier `tap.py local`."""
    result = synths_into_one_folder.dev.result
    assert (synths_into_one_folder.outdir / "stacks" / "tap-platform-local").is_dir()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("warning: ")  # the example values dev still carries
    assert "\n\n" not in result.stdout and not result.stdout.endswith("\n")
    assert "earlier synths" not in result.stdout  # the CLI removes other stacks' folders itself


@pytest.fixture(scope="module")
def validated_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`python -m scripts.terraform_validate dev` (which runs `tap.py dev` first) in a copy of the repository whose
    cdktf.out/ holds a stack of an earlier synth. A synth and a validate cost seconds each, so two tests read this run."""
    repo = tmp_path_factory.mktemp("validated") / "repo"
    shutil.copytree(REPO_ROOT, repo, ignore=SOURCES_ONLY)
    (repo / "cdktf.out" / "stacks" / "tap-platform-earlier").mkdir(parents=True)
    return repo, run([sys.executable, "-m", "scripts.terraform_validate", "dev"], path=os.environ["PATH"], cwd=repo)


def test_a_synth_says_which_earlier_stacks_it_left_in_cdktf_out(validated_copy: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    repo, result = validated_copy
    # tap.py's own line, printed only once both stacks are written (then terraform validate runs on them).
    assert (
        "synthesized tap-platform-dev, tap-workloads-dev into cdktf.out/ in " in result.stdout
        and "(also there from earlier synths: 1 other stack; `make clean` removes them)" in result.stdout
    ), result.stdout + result.stderr
    assert (repo / "cdktf.out" / "stacks" / "tap-platform-earlier").is_dir()


def test_a_plain_synth_prints_its_result_and_a_few_lines(validated_copy: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The example values still in place are counted in one line naming the command that lists them
    (the cdktf CLI's deploy lists each: tests/app/test_synthesis.py)."""
    _, result = validated_copy
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) <= 3, warnings  # the Kubernetes version, the example values, the Elastic IP quota
    assert any(
        re.fullmatch(
            r"warning: \d+ example values still in place in dev, and its alarms notify nobody \(replace them before deploying to AWS\): "
            r"`make warnings ENV=dev` lists them",
            line,
        )
        for line in warnings
    ), warnings
    assert "EXAMPLE VALUE" not in result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_validate_exits_3_when_a_stack_was_not_validated_unless_allowed(
    validated_copy: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    if not workloads_providers_missing():
        pytest.skip("the providers of both stacks are available here: every stack is validated")
    repo, result = validated_copy
    assert result.returncode == NOT_VALIDATED, result.stderr
    assert "tap-workloads-dev: not validated" in result.stdout
    assert "error: 1 of 2 stacks not validated (exit status 3); `make validate ALLOW_PARTIAL=1` accepts that" in result.stderr
    if MAKE is not None:
        (repo / ".venv").symlink_to(REPO_ROOT / ".venv")
        allowed = run([MAKE, "-o", ".venv/.synced", "validate", "ALLOW_PARTIAL=1"], path=os.environ["PATH"], cwd=repo)
        assert allowed.returncode == 0, allowed.stderr
        assert "tap-platform-dev: valid" in allowed.stdout


@needs_make
def test_make_clean_removes_what_was_generated_and_keeps_the_installs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT, repo, ignore=SOURCES_ONLY)
    generated = ["cdktf.out/stacks", "terraform-state/dev", ".hypothesis", ".ruff_cache", ".pytest_cache", "bench/results"]
    generated.append("config/__pycache__")
    installs = [".venv/bin", ".tools/pipenv", "node_modules/.bin"]
    for folder in generated + installs:
        (repo / folder).mkdir(parents=True, exist_ok=True)
    result = run([MAKE, "clean"], path=os.environ["PATH"], cwd=repo)
    assert result.returncode == 0, result.stderr
    assert [folder for folder in generated if (repo / folder).exists()] == []
    assert [folder for folder in installs if not (repo / folder).exists()] == []


@needs_make
def test_cdktf_deploy_names_its_stack_and_hides_a_missing_cli_config(tmp_path: Path) -> None:
    """Terraform warns on every call when TF_CLI_CONFIG_FILE names a missing file; `npx cdktf deploy` makes several."""
    unnamed = run([MAKE, "cdktf-deploy", "ENV=prod"], path=os.environ["PATH"])
    assert unnamed.returncode == 2
    assert (
        unnamed.stderr.splitlines()[0]
        == "error: name the stack: make cdktf-deploy ENV=prod STACK=tap-platform-prod (then tap-workloads-prod)"
    )
    planned = run(
        [MAKE, "-n", "cdktf-deploy", "ENV=prod", "STACK=tap-platform-prod"], os.environ["PATH"], TF_CLI_CONFIG_FILE=str(tmp_path / "none")
    )
    assert "env -u TF_CLI_CONFIG_FILE npx cdktf deploy tap-platform-prod" in planned.stdout


@needs_make
def test_make_setup_without_the_named_python_says_so(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT, repo, ignore=SOURCES_ONLY)
    result = run([MAKE, "setup", "PYTHON=python3.11-not-installed"], path=os.environ["PATH"], cwd=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("error: python3.11-not-installed is missing or far older than Python 3.11")
    assert not (repo / ".tools").exists()


@needs_make
@pytest.mark.parametrize(
    ("target", "variable", "value"),
    [
        ("synth", "ENV", "dev; touch {marker}"),
        ("synth", "ENV", "$(shell touch {marker})"),
        ("synth", "ENV", "dev\ntouch {marker}"),
        ("preflight", "ENV", "prod|touch {marker}"),
        ("cdktf-deploy", "STACK", "tap-platform-dev`touch {marker}`"),
        ("cdktf-deploy", "ARGS", "--auto-approve && touch {marker}"),
        ("bench", "ARGS", "$$(touch {marker})"),
        ("synth", "PYTHON", "python3;touch {marker}"),
        # An argument that starts with '-' is read as an option: `make validate ENV=--allow-partial` passed a stack
        # that could not be validated.
        ("validate", "ENV", "--allow-partial"),
        ("plan-check", "PLAN", "--help"),
    ],
)
def test_make_refuses_a_variable_that_would_reach_a_shell(tmp_path: Path, target: str, variable: str, value: str) -> None:
    """`make synth ENV='dev; cmd'` ran cmd: the Makefile checks its variables with make functions before the recipe
    that uses them is expanded, so no shell sees them."""
    marker = tmp_path / "ran"
    result = run([MAKE, "-n", target, f"{variable}={value.format(marker=marker)}"], path=os.environ["PATH"])
    assert result.returncode == 2
    assert f"*** {variable} is refused: " in only_line(result.stderr)
    assert str(marker) not in result.stdout  # no shell line (make -n prints them) holds the value
    assert not marker.exists()


@needs_make
def test_a_shells_own_env_variable_stops_only_the_targets_that_use_env() -> None:
    """Some shells export ENV (a startup file); `make lint` does not use ENV and runs."""
    result = run([MAKE, "-n", "lint"], path=os.environ["PATH"], ENV="/home/someone/.ashrc")
    assert result.returncode == 0, result.stderr


@needs_make
def test_make_passes_ordinary_variables_on(tmp_path: Path) -> None:
    result = run([MAKE, "-n", "cdktf-deploy", "ENV=prod", "STACK=tap-platform-prod", "ARGS=--auto-approve"], path=os.environ["PATH"])
    assert result.returncode == 0, result.stderr
    assert "npx cdktf deploy tap-platform-prod --auto-approve" in result.stdout
