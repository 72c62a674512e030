"""The pins of the third-party components the platform runs, read from the one record each has, with its provenance.

- charts/third_party.lock.json: the charts the workloads stack installs (Helm repository, chart, version; upstream
  repository, tag, commit, path) and each chart's image (repository, tag, digest where upstream publishes one);
- workloads/data/adot_collector.json: the Container Insights collector's release (repository, tag, commit, image).

Code reads versions, tags and digests from here and never retypes them, so a bump is a reviewable diff of the record
(docs/upstream.md). The standard library only: the image preflight and scripts/vendor_charts.py read it without jsii.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = REPO_ROOT / "charts" / "third_party.lock.json"
COLLECTOR_RELEASE_FILE = REPO_ROOT / "workloads" / "data" / "adot_collector.json"


def lock() -> dict[str, dict[str, Any]]:
    """Chart name -> its pin."""
    return json.loads(LOCK_FILE.read_text())["charts"]


def pin(name: str) -> dict[str, Any]:
    return lock()[name]


def collector_release() -> dict[str, Any]:
    """The ADOT collector release: repository, tag, commit, and `image` as `registry/path:tag`."""
    return json.loads(COLLECTOR_RELEASE_FILE.read_text())["release"]
