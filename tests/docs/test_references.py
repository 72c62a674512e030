"""What the README and the guides point at must exist: a relative link (and its #anchor), a `make X`
a reader will type, a test named as the proof of a claim, a file path given as where something is
enforced. A renamed test or target otherwise leaves a claim pointing at nothing, silently."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
IDS = [str(doc.relative_to(REPO_ROOT)) for doc in DOCS]


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but hyphens and underscores dropped, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#+\s+(.*)$", markdown, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def make_targets() -> set[str]:
    """Every rule in the Makefile (a line `name: ...`), the names `make help` also reads."""
    text = (REPO_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", text, re.MULTILINE))


def defined_tests() -> dict[str, set[str]]:
    """Test function names per test file (relative path), read from the source without importing it."""
    tests = {}
    for path in (REPO_ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text())
        functions = (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
        tests[str(path.relative_to(REPO_ROOT))] = {node.name for node in functions if node.name.startswith("test_")}
    return tests


def test_the_anchor_slugs_follow_github() -> None:
    assert anchors("## What this machine cannot verify\n### Alarms: who they page (and `dev`)\n") == {
        "what-this-machine-cannot-verify",
        "alarms-who-they-page-and-dev",
    }


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_relative_link_and_anchor_resolves(doc: Path) -> None:
    text = doc.read_text()
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists() or (anchor and anchor not in anchors(linked.read_text())):
            broken.append(target)
    assert not broken, f"{doc.name}: links to nothing: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_make_target_named_exists(doc: Path) -> None:
    text = doc.read_text()
    commands = re.findall(r"`make ([a-z][a-z0-9-]*)", text)
    for block in re.findall(r"```(?:bash|sh|console)?\n(.*?)```", text, flags=re.DOTALL):
        commands += re.findall(r"^\s*make ([a-z][a-z0-9-]*)", block, re.MULTILINE)
    named = set(commands)
    missing = sorted(named - make_targets())
    assert not missing, f"{doc.name} names make targets the Makefile lacks: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_test_named_as_proof_exists(doc: Path) -> None:
    """`test_x` must be a test function somewhere; `tests/a.py::test_x` must be in that file; `tests/a.py` must exist."""
    text = doc.read_text()
    tests = defined_tests()
    everywhere = set().union(*tests.values())
    missing = []
    for path, name in re.findall(r"`(?:(tests/[\w/]+\.py)::)?(test_\w+)`", text):
        if (path and name not in tests.get(path, set())) or name not in everywhere:
            missing.append(f"{path}::{name}" if path else name)
    for path in re.findall(r"`(tests/[\w/.]+\.py)[`:]", text):
        if not (REPO_ROOT / path).is_file():
            missing.append(path)
    assert not missing, f"{doc.name} names tests that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_repository_path_named_exists(doc: Path) -> None:
    """A Python file in backticks under one of our top folders (`eks_platform/cluster.py`): where a claim says it is
    enforced. Other paths in the guides are often upstream ones (a chart's `docs/install/iam_policy.json`)."""
    text = doc.read_text()
    roots = ("app/", "app_support/", "bench/", "config/", "eks_platform/", "scripts/", "tests/", "workloads/")
    named = (path for path in re.findall(r"`([\w./-]+\.py)`", text) if path.startswith(roots))
    missing = [path for path in named if not (REPO_ROOT / path).is_file()]
    assert not missing, f"{doc.name} names paths that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("doc", DOCS[1:], ids=IDS[1:])
def test_a_readme_section_named_by_a_guide_exists(doc: Path) -> None:
    """`README, "Rollouts"` or `README ("Destroying")`: sections moved to the guides leave such pointers behind."""
    readme = anchors((REPO_ROOT / "README.md").read_text())
    named = re.findall(r"README[,:]? \(?\"([^\"]+)\"", doc.read_text())
    missing = [section for section in named if re.sub(r"[^\w\- ]", "", section.lower()).replace(" ", "-") not in readme]
    assert not missing, f"{doc.name} points at README sections that are not there: {missing}"
