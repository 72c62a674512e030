"""The version path: every Kubernetes version in config/eks_versions.yaml, the oldest listed to the newest, works.

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

from config.eks_addons import TABLE as ADDON_TABLE
from config.eks_versions import creation_error, oldest_creatable, status_table, support_warning, support_windows
from config.loader import REPO_ROOT
from config.model import EnvironmentConfig
from eks_platform.addons import ADDONS
from workloads.service_chart import CHART_DIR

VERSIONS = list(support_windows())
MATRIX_ENVIRONMENT = "prod"  # real AWS: add-ons and access entries are all there
QUANTITY = re.compile(r"[0-9]+(\.[0-9]+)?(m|k|M|G|Ki|Mi|Gi)?")


def test_the_matrix_has_no_gap_and_every_environment_names_a_listed_version(configs) -> None:
    assert EnvironmentConfig.model_fields["kubernetes_version"].is_required(), "a default version would go stale"
    assert {config.kubernetes_version for config in configs.values()} <= set(VERSIONS)
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
    assert "aws_eks_addon_version" not in platform.get("data", {}), "an add-on version looked up at plan time floats"
    addons = {addon["addon_name"]: addon for addon in platform["resource"]["aws_eks_addon"].values()}
    assert set(addons) == set(ADDONS)
    pinned = yaml.safe_load(ADDON_TABLE.read_text())  # the reviewed table, read as a reviewer reads it
    for name, addon in addons.items():
        assert addon["addon_version"] == pinned[name][version]


def test_every_pinned_add_on_version_is_at_least_the_minimum_its_configuration_needs() -> None:
    """CoreDNS's `autoScaling` key exists on 1.29 from v1.11.1-eksbuild.9 and on every later Kubernetes
    version in every add-on version (EKS user guide, "Scale CoreDNS Pods for high DNS traffic")."""
    pinned = yaml.safe_load(ADDON_TABLE.read_text())["coredns"]

    def build(version: str) -> tuple[int, ...]:
        core, build_number = re.fullmatch(r"v([0-9.]+)-eksbuild\.([0-9]+)", version).groups()
        return (*map(int, core.split(".")), int(build_number))

    assert build(pinned["1.29"]) >= build("v1.11.1-eksbuild.9")


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


def test_a_version_aws_no_longer_creates_is_refused_in_one_line_naming_the_oldest_it_creates() -> None:
    today = dt.date(2026, 11, 23)
    message = creation_error("1.29", today, config_file="config/environments/prod.yaml")
    assert message is not None and "\n" not in message
    assert message.startswith("config/environments/prod.yaml: kubernetes_version: AWS no longer creates Kubernetes 1.29 clusters")
    assert "(its extended support ended on 2026-03-23)" in message
    assert oldest_creatable(today) == "1.31"
    assert 'set kubernetes_version: "1.31" or later' in message
    assert oldest_creatable(dt.date(2026, 11, 27)) == "1.32"
    assert creation_error("1.31", today) is None
    assert "extended support since 2025-11-26" in (support_warning("1.31", today) or "")
    assert support_warning("1.29", today) is None  # refused, not warned about
    assert support_warning("1.35", today) is None


def test_the_upgrade_guide_states_todays_calendar() -> None:
    """docs/upgrade.md embeds what AWS offers today; when a date passes, this fails until the block is
    regenerated (`python -m config.eks_versions --markdown`): the prose cannot go stale unseen."""
    text = (REPO_ROOT / "docs" / "upgrade.md").read_text()
    block = re.search(r"<!-- versions:begin -->\n(.*?)\n<!-- versions:end -->", text, re.S)
    assert block, "docs/upgrade.md lost its generated version table"
    assert block.group(1) == status_table(dt.date.today())


def test_the_add_on_table_names_exactly_the_add_ons_the_platform_installs() -> None:
    """config/eks_addons.py refuses a table with other rows; it must name what eks_platform/addons.py installs."""
    from config.eks_addons import MANAGED_ADDONS

    assert sorted(ADDONS) == sorted(MANAGED_ADDONS)
