"""The third-party releases as the workloads stack installs them, rendered offline from charts/vendor/ (tests, policy gate).

The values are exactly those of the synthesized helm_release (its values documents, then its `set`
entries); an apply-time reference (`${data.terraform_remote_state...}`) is replaced by a stand-in of
the right shape, and an unknown one fails rather than being guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from config.image_mirror import repository_prefix
from config.model import EnvironmentConfig
from config.pins import lock
from workloads.third_party_charts import VENDOR_DIR, vendored_dir

VENDORED_PREFIX = "../../../charts/vendor/"
REFERENCE = re.compile(r"\$\{[^}]*\}")


def third_party_releases(workloads: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> helm_release for every release installed from a vendored chart."""
    releases = workloads.get("resource", {}).get("helm_release", {})
    return {key: r for key, r in releases.items() if str(r.get("chart", "")).startswith(VENDORED_PREFIX)}


def chart_of(release: dict[str, Any]) -> str:
    return release["chart"].removeprefix(VENDORED_PREFIX)


def stand_in(value: str, config: EnvironmentConfig) -> str:
    """A realistic value for an apply-time reference, by the platform output it names."""
    if not REFERENCE.search(value):
        return value
    if REFERENCE.fullmatch(value) is None:
        raise ValueError(f"a reference inside a longer string: {value!r}")
    output = value.rsplit(".", 1)[-1].rstrip("}").strip('"]')
    if output == "cluster_name":
        return config.cluster_name
    if output == "vpc_id":
        return "vpc-0123456789abcdef0"
    if output.endswith("_role_arn"):
        return f"arn:aws:iam::111122223333:role/{config.cluster_name}-{output.removesuffix('_role_arn').replace('_', '-')}"
    mirrors = {"public_ecr_mirror": "ecr-public", "kubernetes_registry_mirror": "k8s"}
    if output in mirrors:
        return f"111122223333.dkr.ecr.{config.region}.amazonaws.com/{repository_prefix(config.cluster_name, mirrors[output])}"
    raise ValueError(f"no stand-in for {value!r}: add one of the right shape")


def release_values(release: dict[str, Any], config: EnvironmentConfig) -> dict[str, Any]:
    """The release's values documents merged in order, then its `set` entries (dotted names)."""
    values: dict[str, Any] = {}
    for document in release.get("values", []):
        values = _merge(values, json.loads(document))
    for entry in release.get("set", []):
        node = values
        *parents, last = entry["name"].split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = stand_in(str(entry["value"]), config)
    return values


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def vendored() -> bool:
    return VENDOR_DIR.is_dir() and all(vendored_dir(name).is_dir() for name in lock())


def render_release(release: dict[str, Any], config: EnvironmentConfig) -> list[dict[str, Any]]:
    """The release's manifests, parsed, as the Helm engine renders them from the vendored chart."""
    from workloads.service_chart import render

    files = render(
        release_values(release, config), release=release["name"], namespace=release["namespace"], chart_dir=vendored_dir(chart_of(release))
    )
    docs = [doc for name, text in sorted(files.items()) if name.endswith((".yaml", ".yml")) for doc in yaml.safe_load_all(text) if doc]
    # Helm creates a v1 List's items one by one (its resource builder flattens lists).
    return [item for doc in docs for item in (doc.get("items", []) if doc["kind"] == "List" else [doc])]


def custom_resource_schemas(chart: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> openAPIV3Schema, from the CRDs the chart ships in crds/."""
    schemas = {}
    for path in sorted((vendored_dir(chart) / "crds").glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    return schemas
