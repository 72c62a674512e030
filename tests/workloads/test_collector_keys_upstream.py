"""Every key path the collector configuration sets, against two records of upstream: the keys AWS's
own Fargate Container Insights template configures for the same release (aws-otel-collector v0.43.3,
workloads/data/adot_fargate_template_keys.json), or else the component's config struct as recorded
in workloads/data/adot_collector.json (config_keys). The template is a configuration AWS ships for
this very image, so a key it uses is one this image accepts; the struct record covers the rest.
A key in neither is a belief, and the collector rejects unknown keys at start."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from config.observability import COLLECTOR_NAMESPACE
from tests.conftest import REPO_ROOT
from workloads.collector_config import collector_config_text

DATA = REPO_ROOT / "workloads" / "data"
TEMPLATE = json.loads((DATA / "adot_fargate_template_keys.json").read_text())
STRUCTS = json.loads((DATA / "adot_collector.json").read_text())["config_keys"]
OPAQUE = {"config", "experimental_match_labels"}  # Prometheus' own schema; label names, not keys
KINDS = {"receivers": "receiver", "processors": "processor", "exporters": "exporter", "extensions": "extension"}


def key_paths(value: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            paths.add(prefix + key)
            if not (key in OPAQUE and (key == "experimental_match_labels" or prefix == "")):
                paths |= key_paths(child, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}[].")
    return paths


def in_struct(tree: Any, path: str) -> bool:
    """Whether `a.[].b` exists in the recorded struct tree (null leaf, object, one-element list)."""
    node = tree
    for part in path.split("."):
        if part == "[]":
            if not (isinstance(node, list) and len(node) == 1):
                return False
            node = node[0]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return yaml.safe_load(collector_config_text(cluster_name="tap-dev", region="us-east-1", namespace=COLLECTOR_NAMESPACE))


def test_the_template_record_names_the_pinned_release() -> None:
    release = json.loads((DATA / "adot_collector.json").read_text())["release"]
    assert (TEMPLATE["repository"], TEMPLATE["tag"], TEMPLATE["commit"]) == (release["repository"], release["tag"], release["commit"])


def test_every_key_the_configuration_sets_is_one_upstream_configures_or_defines(config: dict[str, Any]) -> None:
    unknown = []
    for kind, singular in KINDS.items():
        for component_id, settings in (config.get(kind) or {}).items():
            component = component_id.split("/", 1)[0]
            shipped = set(TEMPLATE["keys"].get(kind, {}).get(component, []))
            struct = STRUCTS.get(f"{singular}/{component}", {}).get("keys", {})
            for path in sorted(key_paths(settings or {})):
                if path not in shipped and not in_struct(struct, path):
                    unknown.append(f"{kind}.{component_id}: {path}")
    assert not unknown, unknown


def test_an_unknown_key_is_caught(config: dict[str, Any]) -> None:
    assert "batch" in config["processors"]
    assert "send_batch_max_sise" not in TEMPLATE["keys"]["processors"]["batch"]
    assert not in_struct(STRUCTS["processor/batch"]["keys"], "send_batch_max_sise")
