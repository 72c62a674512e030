"""Synthesizes an environment's two stacks into one cdktf output directory.

Each stack is synthesized in its own process: the workloads stack reads the platform's
outputs from Terraform state rather than through in-process references, so its process
never loads the AWS bindings, and the two run side by side. The result is what a single
cdktf App would write: `stacks/<name>/cdk.tf.json` per stack and a `manifest.json`
listing both, which `cdktf deploy` reads.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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


def synth_layer(layer: str, config: EnvironmentConfig, outdir: str, render_values: bool = True) -> None:
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
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=outdir.parent) as staging_root:
        staging = {layer: str(Path(staging_root) / layer) for layer in layers}
        context = multiprocessing.get_context("fork")
        processes = {
            # With a check alongside (tap.py renders every service's values there), the workloads
            # process does not render them a second time: 100 services cost about a second each way.
            layer: context.Process(target=synth_layer, args=(layer, config, staging[layer], while_running is None), name=f"synth-{layer}")
            for layer in layers
        }
        for process in processes.values():
            process.start()
        try:
            if while_running is not None:
                while_running()
        except BaseException:
            for process in processes.values():
                process.terminate()
                process.join()
            raise
        for process in processes.values():
            process.join()
        failed = [layer for layer, process in processes.items() if process.exitcode != 0]
        if failed:
            raise SynthFailed(f"synthesis of the {' and '.join(failed)} stack failed (its error is printed above)")
        return merge_outputs([Path(d) for d in staging.values()], outdir)


def merge_outputs(sources: Sequence[Path], outdir: Path) -> list[str]:
    """Moves each source's stacks into `outdir` and writes one manifest listing exactly them, as a
    single cdktf App would. Other environments' stack folders stay (plain `terraform` may use them)."""
    outdir.mkdir(parents=True, exist_ok=True)
    manifest_path = outdir / "manifest.json"
    manifest: dict = {"stacks": {}}
    written = []
    for source in sources:
        part = json.loads((source / "manifest.json").read_text())
        manifest["version"] = part["version"]
        for name, entry in part["stacks"].items():
            target = outdir / "stacks" / name
            with tempfile.TemporaryDirectory(dir=outdir) as keep:
                # Keep an initialized working directory (providers, lock file) across synths, as cdktf does.
                kept = [item for item in TERRAFORM_WORKING_FILES if (target / item).exists()]
                for item in kept:
                    shutil.move(target / item, Path(keep) / item)
                shutil.rmtree(target, ignore_errors=True)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(source / "stacks" / name, target)
                for item in kept:
                    shutil.move(Path(keep) / item, target / item)
            manifest["stacks"][name] = entry
            written.append(name)
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return written
