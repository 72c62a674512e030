"""The version path: every Kubernetes version in config/eks_versions.yaml, 1.29 to the newest, works.

For each listed version: the platform stack synthesizes with it (the cluster and the add-on
look-ups follow it), every service's rendered manifests validate against that version's
schemas, and the service chart's kubeVersion admits it. Only the platform stack is
synthesized per version, in this process (the bindings are already imported by the session):
nothing in the workloads stack depends on the version.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils as u
import pytest
import yaml

from config.eks_versions import oldest_creatable, support_warning, support_windows
from config.model import EnvironmentConfig
from eks_platform.addons import ADDONS
from workloads.service_chart import CHART_DIR

VERSIONS = list(support_windows())
MATRIX_ENVIRONMENT = "prod"  # real AWS: add-ons and access entries are all there
QUANTITY = re.compile(r"[0-9]+(\.[0-9]+)?(m|k|M|G|Ki|Mi|Gi)?")


def test_the_matrix_runs_from_the_default_to_the_newest_listed_version() -> None:
    assert VERSIONS[0] == EnvironmentConfig.model_fields["kubernetes_version"].default == "1.29"
    minors = [int(v.split(".")[1]) for v in VERSIONS]
    assert minors == list(range(minors[0], minors[-1] + 1)), "the table skips a minor version"


def platform_at(version: str, base: EnvironmentConfig, outdir: Path) -> dict[str, Any]:
    from cdktf import App

    from eks_platform.stack import PlatformStack

    app = App(outdir=str(outdir / version))
    stack = PlatformStack(app, base.model_copy(update={"kubernetes_version": version}))
    app.synth()
    return json.loads((outdir / version / "stacks" / stack.node.id / "cdk.tf.json").read_text())


@pytest.fixture(scope="module")
def matrix_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("versions")


@pytest.mark.slow
@pytest.mark.parametrize("version", VERSIONS)
def test_the_platform_synthesizes_and_its_add_ons_follow_the_version(version: str, configs, matrix_dir: Path) -> None:
    platform = platform_at(version, configs[MATRIX_ENVIRONMENT], matrix_dir)
    (cluster,) = platform["resource"]["aws_eks_cluster"].values()
    assert cluster["version"] == version
    lookups = platform["data"]["aws_eks_addon_version"]
    addons = platform["resource"]["aws_eks_addon"]
    assert set(addons) == {f"addons_{name.replace('-', '_')}" for name in ADDONS}
    for name in ADDONS:
        logical = f"addons_{name.replace('-', '_')}"
        lookup = lookups[f"{logical}_version"]
        assert lookup["addon_name"] == name
        assert lookup["kubernetes_version"] == "${aws_eks_cluster.eks_cluster.version}"
        assert lookup["most_recent"] is True
        assert addons[logical]["addon_version"] == f"${{data.aws_eks_addon_version.{logical}_version.version}}"


def test_the_coredns_configuration_is_valid_for_fargate() -> None:
    """The EKS CoreDNS add-on schema (DescribeAddonConfiguration) is not reachable offline; its
    documented keys and Kubernetes quantities are checked instead."""
    coredns = ADDONS["coredns"]
    assert set(coredns) <= {
        "computeType",
        "resources",
        "replicaCount",
        "tolerations",
        "affinity",
        "nodeSelector",
        "corefile",
        "autoScaling",
    }
    assert coredns["computeType"] == "fargate"
    assert coredns["resources"]["requests"] == coredns["resources"]["limits"]
    for quantity in coredns["resources"]["requests"].values():
        assert QUANTITY.fullmatch(quantity), quantity


@pytest.fixture(scope="module")
def schemas_read_once() -> Iterator[None]:
    """kubernetes_validate reads and parses the schema files for every manifest it validates (the definitions
    file of a version is megabytes, three quarters of the time); they do not change during a run, so each file is
    parsed once. The validation itself is the library's, unchanged."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(u, "schema_contents", functools.cache(u.schema_contents))
        patch.setattr(u, "all_versions", functools.cache(u.all_versions))
        yield


# Not slow (a fraction of a second a version): the unit tier validates the charts for 1.29 and every later version.
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.usefixtures("schemas_read_once")
def test_every_rendered_manifest_is_valid_for_the_version(version: str, rendered) -> None:
    schemas = f"{version}.0"
    for key, manifests in rendered.items():
        for manifest in manifests:
            try:
                kubernetes_validate.validate(manifest, schemas, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{version} {key} {manifest['kind']}: {error.message} at {'.'.join(map(str, error.path))}")


def test_kubernetes_validate_has_the_schemas_of_every_listed_version() -> None:
    available = {u.major_minor(v) for v in u.all_versions()}
    missing = [v for v in VERSIONS if v not in available]
    assert not missing, f"kubernetes-validate {importlib.metadata.version('kubernetes-validate')} has no schemas for {missing}"


def admits(constraint: str, version: str) -> bool:
    """Helm's kubeVersion constraints in the forms this chart may use: comparisons joined by spaces or commas."""
    if "||" in constraint:
        raise ValueError(f"unsupported kubeVersion constraint {constraint!r}")
    target = (*(int(p) for p in version.split(".")), 0)
    clauses = re.findall(r"(>=|<=|!=|>|<|=)?\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?", constraint)
    if not clauses:
        raise ValueError(f"unparsed kubeVersion constraint {constraint!r}")
    compare = {">=": tuple.__ge__, "<=": tuple.__le__, ">": tuple.__gt__, "<": tuple.__lt__, "=": tuple.__eq__, "": tuple.__eq__}
    compare["!="] = tuple.__ne__
    return all(compare[op](target, (int(a), int(b), int(c or 0))) for op, a, b, c in clauses)


def test_the_constraint_reader_refuses_and_admits_as_helm_would() -> None:
    assert admits(">=1.29.0-0", "1.35") and not admits(">=1.29.0-0", "1.28")
    assert not admits(">=1.29.0-0, <1.33.0-0", "1.33") and admits(">=1.29.0-0 <1.33.0-0", "1.32")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_service_chart_admits_the_version(version: str) -> None:
    chart = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    assert admits(chart.get("kubeVersion", ""), version) if chart.get("kubeVersion") else True


def test_a_version_aws_no_longer_creates_says_so_and_names_the_oldest_it_creates() -> None:
    today = dt.date(2026, 11, 23)
    message = support_warning("1.29", today, config_file="config/environments/prod.yaml")
    assert message is not None
    assert message.startswith("AWS no longer creates Kubernetes 1.29 clusters: its extended support ended on 2026-03-23")
    assert oldest_creatable(today) == "1.31"
    assert 'set kubernetes_version: "1.31" in config/environments/prod.yaml' in message
    assert oldest_creatable(dt.date(2026, 11, 27)) == "1.32"
    assert "extended support since 2025-11-26" in (support_warning("1.31", today) or "")
    assert support_warning("1.35", today) is None
