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
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from config.model import EnvironmentConfig

if TYPE_CHECKING:  # importing cdktf starts jsii; only the synth processes do
    from cdktf import App

LAYERS = ("platform", "workloads")
TERRAFORM_WORKING_FILES = (".terraform", ".terraform.lock.hcl")


def build_layer(app: App, layer: str, config: EnvironmentConfig) -> None:
    """Adds one layer's stack to `app` (imports only that layer's provider bindings)."""
    if layer == "platform":
        from eks_platform.stack import PlatformStack

        PlatformStack(app, config)
    else:
        from workloads.stack import WorkloadsStack

        WorkloadsStack(app, config)


def synth_layer(layer: str, config: EnvironmentConfig, outdir: str) -> None:
    from cdktf import App

    app = App(outdir=outdir)
    build_layer(app, layer, config)
    app.synth()


def synthesize(config: EnvironmentConfig, outdir: Path, layers: Sequence[str] = LAYERS, *, parallel: bool = True) -> list[str]:
    """Synthesizes `layers` of a validated configuration into `outdir`; returns the stack names written.
    The (frozen) configuration is passed to each process, not loaded and validated again."""
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".synth-", dir=outdir.parent) as staging_root:
        staging = {layer: str(Path(staging_root) / layer) for layer in layers}
        if parallel and len(layers) > 1:
            # spawn, not fork: the parent has loaded the Helm engine (a Go runtime, which does not
            # survive fork), and each child starts its own jsii runtime anyway.
            with ProcessPoolExecutor(max_workers=len(layers), mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = [pool.submit(synth_layer, layer, config, staging[layer]) for layer in layers]
                for future in futures:
                    future.result()
        else:
            for layer in layers:
                synth_layer(layer, config, staging[layer])
        return merge_outputs([Path(d) for d in staging.values()], outdir)


def merge_outputs(sources: Sequence[Path], outdir: Path) -> list[str]:
    """Moves each source's stacks into `outdir` and merges their manifests into `outdir`'s."""
    manifest_path = outdir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"stacks": {}}
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
