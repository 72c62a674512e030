"""The opening every environment-taking script shares (scripts/cli.py): a wrong argument or a bad environment file
is one line on stderr and exit status 2, and the script's own work never starts."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from config.loader import ENVIRONMENTS_DIR, load_environment
from scripts import cli

USAGE = "usage: python -m scripts.example ENVIRONMENT PLAN [--always]"


def example_script(written: Path) -> Callable[[list[str]], int]:
    """A script in the shape of scripts/plan_guard.py that writes a file once its arguments are accepted."""

    @cli.refusals_exit_2
    def main(argv: list[str]) -> int:
        config, (plan,), flags = cli.environment_arguments(argv, USAGE, positional=2, flags={"--always"})
        written.write_text(f"{config.name} {plan} {sorted(flags)}")
        return 0

    return main


@pytest.fixture
def broken_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment files, with dev.yaml naming another environment; scripts.cli reads them from there."""
    environments = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS_DIR, environments)
    dev = environments / "dev.yaml"
    dev.write_text("name: prod\n" + dev.read_text())
    monkeypatch.setattr(cli, "load_environment", functools.partial(load_environment, environments_dir=environments))
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["example", "dev", "plan.json"], "environments/dev.yaml: name: must match the file name ('dev'), got 'prod'"),
        (["example", "nowhere", "plan.json"], "unknown environment 'nowhere': choose one of"),
        (["example", "dev"], USAGE),
        (["example", "dev", "plan.json", "extra"], USAGE),
    ],
)
def test_a_bad_environment_or_usage_is_one_line_exit_2_and_nothing_written(
    broken_dev: Path, capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    written = broken_dev / "written"
    assert example_script(written)(argv) == 2
    captured = capsys.readouterr()
    (said,) = captured.err.splitlines()
    assert said.startswith(("error: ", "usage: ")) and line in said and captured.out == ""
    assert not written.exists()


def test_accepted_arguments_reach_the_script(tmp_path: Path) -> None:
    written = tmp_path / "written"
    assert example_script(written)(["example", "prod", "--always", "plan.json"]) == 0
    assert written.read_text() == "prod plan.json ['--always']"
