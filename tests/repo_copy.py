"""A copy of the repository's sources, as a user's checkout has them, for runs of `tap.py` that edit configuration."""

from __future__ import annotations

import compileall
import shutil
from pathlib import Path

# What a checkout's own runs create (installs, outputs, caches): never part of what `tap.py` reads.
NOT_SOURCES = (".venv", ".tools", "cdktf.out", "terraform-state", ".git", "node_modules", "__pycache__", ".pytest_cache")
PACKAGES = ("app", "app_support", "config", "eks_platform", "workloads", "scripts")


def copy_sources(source: Path, target: Path) -> Path:
    """Copies `source`'s sources to `target` and compiles them once: every copy made from this one keeps the
    sources' times, so its `tap.py` runs import bytecode instead of compiling the project each time."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    for package in PACKAGES:
        compileall.compile_dir(target / package, quiet=1)
    return target
