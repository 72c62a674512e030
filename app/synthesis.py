"""Synthesizes an environment's two stacks into one cdktf output directory.

Each stack is synthesized in its own process: the workloads stack reads the platform's
outputs from Terraform state rather than through in-process references, so its process
never loads the AWS bindings, and the two run side by side. The result is what a single
cdktf App would write: `stacks/<name>/cdk.tf.json` per stack and a `manifest.json`
listing both, which `cdktf deploy` reads.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app_support.process_lifetime import die_with_parent
from config.errors import ConfigError
from config.model import EnvironmentConfig

if TYPE_CHECKING:  # importing cdktf starts jsii; only the synth processes do
    from cdktf import App

LAYERS = ("platform", "workloads")
CRITICAL_PATH = "platform"
TERRAFORM_WORKING_FILES = (".terraform", ".terraform.lock.hcl")
# Runtimes that do not survive fork: the parent must not have started either before forking.
FORK_UNSAFE_MODULES = ("jsii", "helm_python")


class SynthFailed(Exception):
    """A synth process failed; its own error was printed to stderr."""


def build_layer(app: App, layer: str, config: EnvironmentConfig, *, render_values: bool = True) -> None:
    """Adds one layer's stack to `app` (imports only that layer's provider bindings)."""
    if layer == "platform":
        from eks_platform.stack import PlatformStack

        PlatformStack(app, config)
    else:
        from workloads.stack import WorkloadsStack

        WorkloadsStack(app, config, render_values=render_values)


def synth_layer(layer: str, config: EnvironmentConfig, outdir: str, parent: int, render_values: bool = True) -> None:
    # Its own process group (with the node runtime jsii starts): a Ctrl-C at the terminal
    # reaches only the parent, which stops the whole group; and it dies with the parent.
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(signal.SIGTERM, parent)
    from cdktf import App

    from config.loader import ConfigError

    if layer != CRITICAL_PATH:
        # Two cores, two synth processes, each with its node runtime: the platform stack takes
        # longest, so the others yield the CPU to it.
        os.nice(10)
    app = App(outdir=outdir)
    try:
        build_layer(app, layer, config, render_values=render_values)
    except ConfigError:
        # The parent runs the same checks and reports the error; one line is enough.
        sys.exit(2)
    app.synth()


def synthesize(
    config: EnvironmentConfig,
    outdir: Path,
    layers: Sequence[str] = LAYERS,
    *,
    while_running: Callable[[], None] | None = None,
) -> list[str]:
    """Synthesizes `layers` of a validated configuration into `outdir`; returns the stack names.

    The processes are forked, so they start at once and inherit the configuration; the parent
    meanwhile runs `while_running` (a check that may raise). If it raises, the processes are
    stopped and nothing is written to `outdir`.
    """
    loaded = [name for name in FORK_UNSAFE_MODULES if name in sys.modules]
    if loaded:
        raise RuntimeError(f"synthesize() must fork before {', '.join(loaded)} is loaded in this process")
    outdir.parent.mkdir(parents=True, exist_ok=True)
    # The staging folder goes on every exit: errors, SIGINT/SIGTERM (tap.py turns them into
    # Interrupted), because the processes are stopped before the folder is removed.
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=outdir.parent) as staging_root:
        staging = {layer: str(Path(staging_root) / layer) for layer in layers}
        context = multiprocessing.get_context("fork")
        processes = {
            # With a check alongside (tap.py renders every service's values there), the workloads
            # process does not render them a second time: 100 services cost about a second each way.
            layer: context.Process(
                target=synth_layer, args=(layer, config, staging[layer], os.getpid(), while_running is None), name=f"synth-{layer}"
            )
            for layer in layers
        }
        try:
            for process in processes.values():
                process.start()
                with contextlib.suppress(OSError):
                    os.setpgid(process.pid, process.pid)  # also from here: no window before the child does it
            if while_running is not None:
                while_running()
            for process in processes.values():
                process.join()
        except BaseException:
            stop_groups(list(processes.values()))
            raise
        failed = [layer for layer, process in processes.items() if process.exitcode != 0]
        if failed:
            raise SynthFailed(f"synthesis of the {' and '.join(failed)} stack failed (its error is printed above)")
        return merge_outputs([Path(d) for d in staging.values()], outdir)


def stop_groups(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """Stops synth processes and everything in their groups (their node runtimes)."""
    started = [process for process in processes if process.pid is not None]
    for process in started:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        process.join(timeout=5)
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        process.join()


class OutputFolderError(ConfigError):
    """The output folder holds something the synth would have to write through: one line, exit 2, nothing written."""


def _kind(path: Path) -> str | None:
    """What is at `path` without following a final symlink: None, 'symlink', 'directory', 'file' or 'other'."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "symlink"
    return "directory" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def check_output_folder(outdir: Path, stack_names: Sequence[str]) -> None:
    """Refuses an output folder the synth would write through or around: the folder itself, `manifest.json`,
    `stacks/` and each stack's folder must be what they claim (no symlink, no file where a folder goes).

    The write path (`merge_outputs`) only renames within the folder and never follows a symlink, so
    these checks are what make a refusal a one-line error before anything is written."""
    name = outdir.name
    expected = {outdir: "directory", outdir / "manifest.json": "file", outdir / "stacks": "directory"}
    expected.update({outdir / "stacks" / stack: "directory" for stack in stack_names})
    for path, wanted in expected.items():
        found = _kind(path)
        if found is None or found == wanted:
            if path == outdir and found is None:
                return  # a fresh folder: nothing inside to check
            continue
        where = name if path == outdir else f"{name}/{path.relative_to(outdir)}"
        raise OutputFolderError(
            f"{where}: is {'a symlink' if found == 'symlink' else 'a ' + found}, where the synth writes a {wanted}; "
            f"remove it (the synth never writes through a link or outside {name}/)"
        )


# The one folder of the repository the synth writes (cdktf.json `output`); every other one holds files users edit or
# the project's own code, which an output folder there would overwrite or be read as (services/stacks as a service).
OUTPUT_FOLDER_NAME = "cdktf.out"


def check_output_location(output: Path, repo_root: Path) -> None:
    """Refuses an output folder (CDKTF_OUTDIR) that is the repository, holds it, or lies in it outside cdktf.out/:
    the stacks, the manifest and the staging folder beside it would land among the files the project reads."""
    resolved, root = output.resolve(), repo_root.resolve()
    inside = resolved.is_relative_to(root)
    if (
        root.is_relative_to(resolved)
        or (inside and not resolved.is_relative_to(root / OUTPUT_FOLDER_NAME))
        or resolved == root / OUTPUT_FOLDER_NAME / "stacks"
    ):
        shown = os.path.relpath(resolved, root) if inside else str(resolved)
        raise OutputFolderError(
            f"{shown}: the output folder (CDKTF_OUTDIR) must be {OUTPUT_FOLDER_NAME}/ or a folder outside the repository; "
            "anywhere else in it the synth would write among the files the project reads"
        )


def _mkdir(path: Path) -> None:
    """A real directory at `path` (created if missing); anything else there stops the write."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)
    if _kind(path) != "directory":
        raise OutputFolderError(f"{path.name}: is not a directory; remove it")


def merge_outputs(sources: Sequence[Path], outdir: Path) -> list[str]:
    """Moves each source's stacks into `outdir` and writes one manifest listing exactly them, as a
    single cdktf App would. Other environments' stack folders stay (plain `terraform` may use them).

    Only renames inside `outdir` (the staging folder is its sibling, on the same file system): an
    old stack folder is renamed aside into a folder within `outdir`, the new one renamed into place,
    the initialized Terraform files renamed back into it, and the manifest written to a temporary
    file and renamed over `manifest.json`. A rename replaces a link, never writes through it."""
    parts = [json.loads((source / "manifest.json").read_text()) for source in sources]
    names = [name for part in parts for name in part["stacks"]]
    check_output_folder(outdir, names)
    _mkdir(outdir)
    _mkdir(outdir / "stacks")
    manifest: dict = {"stacks": {}}
    written = []
    with tempfile.TemporaryDirectory(prefix=".replaced-", dir=outdir) as aside:
        for source, part in zip(sources, parts, strict=True):
            manifest["version"] = part["version"]
            for name, entry in part["stacks"].items():
                target = outdir / "stacks" / name
                previous = Path(aside) / name
                if _kind(target) == "directory":
                    os.rename(target, previous)
                os.rename(source / "stacks" / name, target)
                # Keep an initialized working directory (providers, lock file) across synths, as cdktf does.
                for item in TERRAFORM_WORKING_FILES:
                    if _kind(previous / item) is not None and _kind(target / item) is None:
                        os.rename(previous / item, target / item)
                manifest["stacks"][name] = entry
                written.append(name)
        descriptor, staged = tempfile.mkstemp(prefix=".manifest-", dir=outdir)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.replace(staged, outdir / "manifest.json")
    return written
