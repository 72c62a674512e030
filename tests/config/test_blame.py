"""One rule for who is blamed in a conflict (config/blame.py), and ASCII-only patterns everywhere in config/."""

from __future__ import annotations

import os
import re

import pytest

from config import blame
from config.blame import Claimant, blamed, established
from tests.conftest import REPO_ROOT


@pytest.fixture
def git_says(monkeypatch: pytest.MonkeyPatch):
    def set_changed(files: set[str] | None) -> None:
        monkeypatch.setattr(blame, "changed_files", lambda: None if files is None else frozenset(files))

    return set_changed


def test_a_protected_environment_keeps_what_it_has(git_says) -> None:
    git_says({"config/environments/prod.yaml"})  # even when the protected file is the changed one
    loser, winner, note = blamed(Claimant("config/environments/prod.yaml", protected=True), Claimant("config/environments/dev.yaml"))
    assert (loser.file, winner.file, note) == ("config/environments/dev.yaml", "config/environments/prod.yaml", "")


def test_the_file_new_since_the_merge_base_is_blamed_whatever_its_name(git_says) -> None:
    git_says({"services/aaa/service.yaml"})
    loser, _, note = blamed(Claimant("services/payment/service.yaml"), Claimant("services/aaa/service.yaml"))
    assert (loser.file, note) == ("services/aaa/service.yaml", "")


def test_without_git_the_file_modified_last_is_blamed_and_the_message_says_so(git_says, tmp_path, monkeypatch) -> None:
    git_says(None)
    monkeypatch.setattr(blame, "REPO_ROOT", tmp_path)
    (tmp_path / "old.yaml").write_text("a: 1\n")
    (tmp_path / "new.yaml").write_text("a: 1\n")
    os.utime(tmp_path / "old.yaml", ns=(1_000_000_000, 1_000_000_000))
    loser, _, note = blamed(Claimant("new.yaml"), Claimant("old.yaml"))
    assert loser.file == "new.yaml" and "modified last" in note
    os.utime(tmp_path / "new.yaml", ns=(1_000_000_000, 1_000_000_000))
    loser, _, note = blamed(Claimant("new.yaml"), Claimant("old.yaml"))
    assert loser.file == "old.yaml" and "name order" in note


def test_the_reference_of_a_group_is_the_established_member(git_says) -> None:
    git_says({"services/aaa/values-prod.yaml"})
    members = [Claimant("services/aaa/values-prod.yaml"), Claimant("services/payment/values-prod.yaml")]
    assert established(members).file == "services/payment/values-prod.yaml"


def test_no_pattern_in_config_matches_other_scripts_digits_or_letters() -> None:
    """`\\d` matches Arabic-Indic and Devanagari digits, `\\w` any script's letters: config/ spells its classes out."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted((REPO_ROOT / "config").glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\\[dwsb]", line) and not line.lstrip().startswith("#")
    ]
    assert not offenders, offenders


def test_a_file_made_a_symlink_to_another_is_the_newer_claim(git_says, tmp_path, monkeypatch) -> None:
    """dev.yaml made a link to prod.yaml: the link's own time counts (lstat), so the link is blamed, not prod.yaml."""
    git_says(None)
    monkeypatch.setattr(blame, "REPO_ROOT", tmp_path)
    (tmp_path / "prod.yaml").write_text("a: 1\n")
    (tmp_path / "dev.yaml").symlink_to("prod.yaml")
    os.utime(tmp_path / "prod.yaml", ns=(1_000_000_000, 1_000_000_000))
    loser, _, _ = blamed(Claimant("prod.yaml"), Claimant("dev.yaml"))
    assert loser.file == "dev.yaml"


def test_a_base_ref_that_looks_like_an_option_never_reaches_git(monkeypatch) -> None:
    calls: list[list[str]] = []

    def run(command, **_):
        calls.append(command)
        return blame.subprocess.CompletedProcess(command, 0, stdout="", stderr="")  # every git call succeeds

    blame.changed_files.cache_clear()
    monkeypatch.setenv("TAP_BASE_REF", "--output=/tmp/elsewhere")
    monkeypatch.setattr(blame.subprocess, "run", run)
    try:
        blame.changed_files()
    finally:
        blame.changed_files.cache_clear()
    assert calls, "git was not asked at all"
    assert not any("--output=/tmp/elsewhere" in command for command in calls)
