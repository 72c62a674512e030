"""The cluster checks run only against a cluster: on the emulator (`make local`) they must skip, not wait."""

from __future__ import annotations

import ast
from pathlib import Path

CLUSTER_CHECKS = Path(__file__).parent / "integration" / "test_cluster.py"


def test_every_cluster_check_needs_the_kube_fixture() -> None:
    tree = ast.parse(CLUSTER_CHECKS.read_text())
    tests = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    assert tests
    missing = [t.name for t in tests if "kube" not in {a.arg for a in t.args.args}]
    assert not missing, f"these would run (and wait for a cluster) on the emulator: {missing}"
