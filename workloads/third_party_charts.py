"""The third-party charts the workloads stack installs, pinned in charts/third_party.lock.json.

The lock names, per chart, where it comes from (Helm repository, chart, version; upstream git
repository, tag, commit, path), a content digest of what renders, the image (and digest where
upstream publishes one) and the value paths upstream's values.yaml defines at that tag. The chart
itself is not committed (fetched files stay out of the tree): `make vendor-charts` extracts it
into charts/vendor/<name>/, after checking the digest, and the releases install from there.

Content digest (`content_sha256`): SHA-256 over the files Helm renders from, in sorted order of
their relative POSIX paths, each as `path NUL size NUL bytes`. Those files are values.yaml,
values.schema.json and everything under templates/, crds/ and charts/, minus what the chart's
.helmignore excludes. Chart.yaml, README and CI files are left out on purpose: `helm package`
rewrites Chart.yaml (so the archive's copy differs from the tag's bytes) and the others do not
render; Chart.yaml's name, version and appVersion are compared field by field instead. So the
same digest comes from `git archive` of the tag and from the repository's .tgz.
The standard library and PyYAML only: scripts/vendor_charts.py runs without the provider bindings.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from config.pins import REPO_ROOT, lock

# A values map a template hands to Kubernetes whole (`toYaml .Values.x`, `omit .Values.x "k"`): any key below it is the object's own.
PASSTHROUGH = re.compile(r"\.Values\.([A-Za-z0-9_.]+)")
KIND = re.compile(r"^kind:\s*([A-Za-z]+)\s*$", re.MULTILINE)

VENDOR_DIR = REPO_ROOT / "charts" / "vendor"
RENDERED_FILES = ("values.yaml", "values.schema.json")
RENDERED_DIRS = ("templates", "crds", "charts")


def vendored_dir(name: str, vendor_dir: Path = VENDOR_DIR) -> Path:
    return vendor_dir / name


def _ignored(relative: str, patterns: list[str]) -> bool:
    """.helmignore's common forms: `dir/`, a glob on the base name, or a glob on the whole path."""
    parts = relative.split("/")
    for pattern in patterns:
        if pattern.endswith("/"):
            if pattern.rstrip("/") in parts[:-1]:
                return True
        elif "/" in pattern:
            if fnmatch.fnmatchcase(relative, pattern):
                return True
        elif fnmatch.fnmatchcase(parts[-1], pattern):
            return True
    return False


def rendered_files(chart_dir: Path) -> Iterator[tuple[str, Path]]:
    """(relative path, file) for every file the digest covers, in sorted path order."""
    ignore = chart_dir / ".helmignore"
    patterns = [line.strip() for line in ignore.read_text().splitlines()] if ignore.is_file() else []
    patterns = [p for p in patterns if p and not p.startswith("#")]
    found = []
    for path in chart_dir.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(chart_dir).as_posix()
        top = relative.split("/")[0]
        if (relative in RENDERED_FILES or (top in RENDERED_DIRS and "/" in relative)) and not _ignored(relative, patterns):
            found.append((relative, path))
    return iter(sorted(found))


def content_digest(chart_dir: Path) -> str:
    digest = hashlib.sha256()
    for relative, path in rendered_files(chart_dir):
        content = path.read_bytes()
        digest.update(f"{relative}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def verify(chart_dir: Path, expected: Mapping[str, Any]) -> str | None:
    """None if `chart_dir` is the pinned chart, else why not (one line)."""
    chart_file = chart_dir / "Chart.yaml"
    if not chart_file.is_file():
        return f"{chart_dir}: no Chart.yaml (not an extracted chart)"
    try:
        meta = yaml.safe_load(chart_file.read_text()) or {}
    except yaml.YAMLError as error:
        return f"{chart_file}: not YAML ({str(error).splitlines()[0]})"
    for field, key in (("name", "chart"), ("version", "version"), ("appVersion", "app_version")):
        if str(meta.get(field)) != str(expected[key]):
            return f"{chart_file}: {field} is {meta.get(field)!r}, the lock pins {expected[key]!r}"
    actual = content_digest(chart_dir)
    if actual != expected["content_sha256"]:
        return f"{chart_dir}: content digest {actual} differs from the lock's {expected['content_sha256']}"
    return None


def missing_or_wrong(vendor_dir: Path = VENDOR_DIR) -> dict[str, str]:
    """Chart name -> why its vendored copy cannot be installed (missing or not the pinned content)."""
    problems = {}
    for name, expected in lock().items():
        directory = vendored_dir(name, vendor_dir)
        if not directory.is_dir():
            problems[name] = f"{directory.relative_to(REPO_ROOT) if directory.is_relative_to(REPO_ROOT) else directory} is missing"
            continue
        problem = verify(directory, expected)
        if problem:
            problems[name] = problem
    return problems


def vendoring_warning(vendor_dir: Path = VENDOR_DIR) -> str | None:
    """One line for the synth: `terraform plan` loads each chart from its path and would fail on a missing one."""
    problems = missing_or_wrong(vendor_dir)
    if not problems:
        return None
    names = ", ".join(sorted(problems))
    return f"third-party charts not vendored or not as pinned ({names}): run `make vendor-charts` before planning the workloads stack"


def value_paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Every dotted path to a mapping key (lists are leaves)."""
    for key, value in values.items():
        path = (*prefix, str(key))
        yield ".".join(path)
        if isinstance(value, Mapping):
            yield from value_paths(value, path)


def passthrough_paths(chart_dir: Path) -> set[str]:
    """Value paths the templates render whole into a Kubernetes object (toYaml or omit on them)."""
    found = set()
    for path in sorted((chart_dir / "templates").rglob("*")):
        if path.is_file():
            lines = path.read_text(errors="replace").splitlines()
            for number, line in enumerate(lines):
                # `{{- with .Values.x }}` whose block renders `toYaml .` within the next lines counts too.
                whole = "toYaml" in line or "omit" in line
                if whole or ("with .Values." in line and any("toYaml ." in n for n in lines[number + 1 : number + 4])):
                    found.update(match.rstrip(".") for match in PASSTHROUGH.findall(line))
    return found


def template_kinds(chart_dir: Path) -> set[str]:
    """The Kubernetes kinds the chart's templates can create (`kind: X` at the start of a line)."""
    found = set()
    for path in (chart_dir / "templates").rglob("*.yaml"):
        found.update(KIND.findall(path.read_text(errors="replace")))
    return found


def unknown_paths(ours: Mapping[str, Any], upstream: list[str], passthrough: list[str]) -> list[str]:
    """Our value paths that upstream's values.yaml does not define. Below a key whose upstream default
    has no sub-keys (`resources: {}`) or that a template renders whole (`toYaml .Values.securityContext`)
    any path is accepted: that object goes to the Kubernetes field as it is, and the schema checks it."""
    known = set(upstream)
    with_children = {p.rsplit(".", 1)[0] for p in known if "." in p}
    open_ended = {p for p in known if p not in with_children} | set(passthrough)
    unknown = []
    for path in value_paths(ours):
        parts = path.split(".")
        prefixes = [".".join(parts[:i]) for i in range(1, len(parts))]
        if path in known or any(p in open_ended for p in prefixes):
            continue
        unknown.append(path)
    return unknown
