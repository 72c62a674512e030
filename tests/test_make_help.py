"""`make` alone is `make help`: one line per target, read from the `## description` on each rule line,
so a target added without a description is caught here rather than by a newcomer."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO_ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not on PATH")


def phony_targets() -> list[str]:
    """Every target the Makefile declares .PHONY (one or several .PHONY lines, continued with backslashes)."""
    text = (REPO_ROOT / "Makefile").read_text().replace("\\\n", " ")
    return [name for line in re.findall(r"^\.PHONY:(.*)$", text, re.MULTILINE) for name in line.split()]


def make(*args: str) -> subprocess.CompletedProcess[str]:
    outer_make = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")  # as if typed, also under `make test`
    env = {key: value for key, value in os.environ.items() if key not in outer_make}
    return subprocess.run([MAKE, "--no-print-directory", "-s", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, env=env)


def help_lines(output: str) -> dict[str, str]:
    lines = {}
    for line in output.splitlines():
        target, _, description = line.strip().partition(" ")
        assert target not in lines, f"{target} is listed twice"
        lines[target] = description.strip()
    return lines


def test_every_phony_target_has_one_help_line() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = help_lines(result.stdout)
    targets = phony_targets()
    assert {"help", "local", "test", "new-service", "check-service", "warnings"} <= set(targets)
    missing = [target for target in targets if target not in listed]
    assert not missing, f"no `## description` on the rule line of: {', '.join(missing)}"
    assert all(listed[target] for target in targets), "a help line without its description"


def test_bare_make_prints_the_help() -> None:
    bare = make()
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout == make("help").stdout
    assert bare.stdout.startswith("  help ")


@pytest.mark.parametrize("variable", ["ENV", "STACK", "ARGS", "PLAN", "FROM", "RUNS", "LOAD", "SHOW", "ALLOW_PARTIAL", "NAME"])
def test_a_variable_a_user_sets_is_never_expanded_by_make(variable: str, tmp_path) -> None:
    """make expands a recursive variable when it exports it to a recipe (any recipe, `make help`
    included): `ENV='$(shell touch x)'` would run before any check. The Makefile keeps each literal."""
    marker = tmp_path / "expanded"
    result = make("help", f"{variable}=$(shell touch {marker})")
    assert not marker.exists(), f"make ran the $(shell ...) in {variable}"
    assert result.returncode == 0, result.stderr


def test_an_unsafe_environment_name_is_refused_before_any_shell(tmp_path) -> None:
    marker = tmp_path / "ran"
    result = make("synth", f"ENV=dev;touch {marker}")
    assert result.returncode == 2 and not marker.exists()
    assert "ENV is refused" in result.stderr


def test_a_service_name_starting_with_a_dash_is_refused_before_any_shell() -> None:
    """`make check-service NAME=--show` reached the script as an option; NAME is a name, never an option."""
    result = make("check-service", "NAME=--show")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0].startswith("error: NAME: ")
