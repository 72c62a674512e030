"""The write path into cdktf.out/: renames inside the folder only, never through a link, refusals before any write."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.synthesis import OutputFolderError, check_output_folder, merge_outputs


def staged(root: Path, *stacks: str) -> Path:
    """A synth process's output: a manifest and one folder per stack."""
    for stack in stacks:
        (root / "stacks" / stack).mkdir(parents=True)
        (root / "stacks" / stack / "cdk.tf.json").write_text(json.dumps({"stack": stack}))
    entries = {stack: {"synthesizedStackPath": f"stacks/{stack}/cdk.tf.json"} for stack in stacks}
    (root / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": entries}))
    return root


def test_stacks_are_renamed_into_place_keeping_the_initialized_terraform_files(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    old = outdir / "stacks" / "tap-platform-dev"
    (old / ".terraform").mkdir(parents=True)
    (old / ".terraform" / "marker").write_text("providers")
    (old / "cdk.tf.json").write_text("stale")
    (outdir / "stacks" / "tap-platform-local").mkdir()
    written = merge_outputs([staged(tmp_path / "staging", "tap-platform-dev")], outdir)
    assert written == ["tap-platform-dev"]
    assert json.loads((old / "cdk.tf.json").read_text()) == {"stack": "tap-platform-dev"}
    assert (old / ".terraform" / "marker").read_text() == "providers"
    assert (outdir / "stacks" / "tap-platform-local").is_dir()  # another environment's stack stays
    assert set(json.loads((outdir / "manifest.json").read_text())["stacks"]) == {"tap-platform-dev"}
    assert sorted(p.name for p in outdir.iterdir()) == ["manifest.json", "stacks"]  # no temporary file left


@pytest.mark.parametrize(
    ("where", "make", "message"),
    [
        ("manifest.json", lambda path, target: path.symlink_to(target), "cdktf.out/manifest.json: is a symlink"),
        ("stacks", lambda path, target: path.symlink_to(target.parent), "cdktf.out/stacks: is a symlink"),
        ("stacks/tap-platform-dev", lambda path, target: path.write_text("x"), "cdktf.out/stacks/tap-platform-dev: is a file"),
        ("stacks/tap-platform-dev", lambda path, target: path.symlink_to(target.parent), "is a symlink"),
    ],
)
def test_a_link_or_a_file_where_the_synth_writes_is_refused_and_nothing_is_written(tmp_path: Path, where, make, message) -> None:
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks").mkdir(parents=True)
    outside = tmp_path / "elsewhere" / "README.md"
    outside.parent.mkdir()
    outside.write_text("keep me")
    path = outdir / where
    if path.is_dir():
        path.rmdir()
    make(path, outside)
    with pytest.raises(OutputFolderError, match=re.escape(message)):
        check_output_folder(outdir, ["tap-platform-dev", "tap-workloads-dev"])
    with pytest.raises(OutputFolderError, match=re.escape(message)):
        merge_outputs([staged(tmp_path / "staging", "tap-platform-dev")], outdir)
    assert outside.read_text() == "keep me"
    assert sorted(p.name for p in outside.parent.iterdir()) == ["README.md"]
    assert (tmp_path / "staging" / "stacks" / "tap-platform-dev").is_dir()  # nothing moved


def test_the_output_folder_itself_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "cdktf.out").symlink_to(tmp_path / "real")
    with pytest.raises(OutputFolderError, match=r"cdktf\.out: is a symlink"):
        check_output_folder(tmp_path / "cdktf.out", [])
