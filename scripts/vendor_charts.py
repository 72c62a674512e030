"""`make vendor-charts`: the pinned third-party charts into charts/vendor/<name>/, checked against the lock.

    python -m scripts.vendor_charts                 # download each pinned archive from its Helm repository
    python -m scripts.vendor_charts --from DIR      # or take DIR/<name>/ (charts extracted from the upstream tag)
    python -m scripts.vendor_charts --facts DIR     # print the lock facts (digest, value paths) of DIR/<name>/

Every chart is staged and verified first (name, version, appVersion, content digest: see
workloads/third_party_charts.py); on any mismatch nothing is written, one line names the chart and
the difference, and the exit status is 2. charts/vendor/ is not committed (fetched files stay out
of the tree); the releases install from it, and the render tests use it when it is there.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from config.pins import lock
from workloads.third_party_charts import VENDOR_DIR, content_digest, passthrough_paths, template_kinds, value_paths, verify

TIMEOUT_SECONDS = 60


class Refused(Exception):
    """One line: what is wrong, and with which chart."""


def download(name: str, expected: dict[str, Any], target: Path) -> None:
    """The chart's archive from its Helm repository's index, extracted into target/<name>."""
    base = expected["helm_repository"].rstrip("/") + "/"
    try:
        with urllib.request.urlopen(base + "index.yaml", timeout=TIMEOUT_SECONDS) as response:
            index = yaml.safe_load(response.read())
        entries = [e for e in index.get("entries", {}).get(expected["chart"], []) if str(e.get("version")) == expected["version"]]
        if not entries:
            raise Refused(f"{name}: {expected['helm_repository']} lists no version {expected['version']}")
        url = urllib.parse.urljoin(base, entries[0]["urls"][0])
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            archive = response.read()
    except OSError as error:
        raise Refused(f"{name}: cannot download from {expected['helm_repository']} ({error})") from None
    listed = entries[0].get("digest")  # the repository index's SHA-256 of the archive
    if listed and hashlib.sha256(archive).hexdigest() != listed:
        raise Refused(f"{name}: refused: {url} does not match the digest its repository index lists")
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.split("/")[0] == expected["chart"]]
        tar.extractall(target / "archive", members=members, filter="data")
    (target / "archive" / expected["chart"]).rename(target / name)


def stage(source: Path | None, staging: Path, pins: dict[str, dict[str, Any]]) -> None:
    """Every pinned chart into staging/<name>, each verified; Refused on the first that is not as pinned."""
    for name, expected in pins.items():
        if source is None:
            download(name, expected, staging)
        else:
            if not (source / name).is_dir():
                raise Refused(f"{name}: {source / name} is not a directory")
            shutil.copytree(source / name, staging / name, symlinks=True)
        problem = verify(staging / name, expected)
        if problem:
            raise Refused(f"{name}: refused: {problem.replace(str(staging) + '/', '')}")


def vendor(source: Path | None, vendor_dir: Path = VENDOR_DIR, pins: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """All charts or none: staged beside vendor_dir, then each moved into place."""
    pins = lock() if pins is None else pins
    vendor_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".vendor-", dir=vendor_dir.parent) as staging:
        stage(source, Path(staging), pins)
        vendor_dir.mkdir(exist_ok=True)
        for name in pins:
            shutil.rmtree(vendor_dir / name, ignore_errors=True)
            (Path(staging) / name).rename(vendor_dir / name)
    return list(pins)


def facts(source: Path) -> dict[str, Any]:
    """What a pin bump copies into the lock, read from charts extracted at the new tag."""
    found = {}
    for name in lock():
        chart = source / name
        values = yaml.safe_load((chart / "values.yaml").read_text()) or {}
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        found[name] = {
            "version": meta["version"],
            "app_version": meta.get("appVersion"),
            "content_sha256": content_digest(chart),
            "upstream_value_paths": sorted(value_paths(values)),
            "upstream_passthrough_paths": sorted(passthrough_paths(chart)),
            "upstream_template_kinds": sorted(template_kinds(chart)),
        }
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make vendor-charts", description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--from", dest="source", type=Path, help="a directory holding the extracted charts, one folder per name")
    group.add_argument("--facts", type=Path, help="print the lock facts of the charts in this directory")
    args = parser.parse_args(argv)
    try:
        if args.facts:
            print(json.dumps(facts(args.facts), indent=2))
            return 0
        if args.source is not None and not args.source.is_dir():
            raise Refused(f"--from {args.source}: not a directory")
        names = vendor(args.source)
    except Refused as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, yaml.YAMLError, KeyError) as error:
        print(f"error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}", file=sys.stderr)
        return 2
    print(f"vendored {', '.join(names)} into {VENDOR_DIR.relative_to(Path.cwd()) if VENDOR_DIR.is_relative_to(Path.cwd()) else VENDOR_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
