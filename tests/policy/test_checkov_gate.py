"""The policy gate: checkov clean on every stack and rendered release, and able to fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app_support.checkov_skips import COMMENT_KEY, FIELD, THIRD_PARTY_SKIPS, skips_in
from scripts.policy_gate import CHECKOV, gate, problems, third_party_manifests
from tests.conftest import Synthesized
from workloads.third_party_render import vendored

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is not installed: run `make setup`")]


def stack_dirs(synthesized: dict[str, Synthesized]) -> list[Path]:
    return [d for s in synthesized.values() for d in sorted((s.outdir / "stacks").iterdir())]


def manifests(rendered, synthesized: dict[str, Synthesized] | None = None) -> dict[str, str]:
    import yaml

    from workloads.container_insights import render_collector

    found = {f"{env}/{name}.yaml": yaml.safe_dump_all(docs) for (env, name), docs in rendered.items()}
    # The collector's manifests differ between environments only in names (`make policy` scans all four).
    collector = render_collector(
        cluster_name="tap-dev",
        region="us-east-1",
        role_arn="arn:aws:iam::111122223333:role/tap-dev-container-insights",
        image_mirror="111122223333.dkr.ecr.us-east-1.amazonaws.com/tap-dev-ecr-public",
    )
    found["dev/container-insights.yaml"] = "\n---\n".join(collector.values())
    # The third-party releases with the stack's own values, where charts/vendor/ holds them (`make vendor-charts`).
    found.update(third_party_manifests({env: (s.config, s.workloads) for env, s in (synthesized or {}).items()}))
    return found


@pytest.fixture(scope="module")
def results(synthesized: dict[str, Synthesized], rendered):
    return gate(stack_dirs(synthesized), manifests(rendered, synthesized))


def test_no_check_fails_on_any_stack_or_release(results) -> None:
    assert problems(results) == []
    if vendored():  # every third-party Deployment was scanned, and only the skips app_support/checkov_skips.py explains were taken
        scanned = {f.split("/")[-1] for f in results["kubernetes"].files}
        assert {f"{chart}.yaml" for chart in THIRD_PARTY_SKIPS} <= scanned
        taken = {s.split(" ")[0] for s in results["kubernetes"].skipped if "kube-system" in s or "kube-state-metrics" in s}
        assert taken <= {check for reasons in THIRD_PARTY_SKIPS.values() for check in reasons}
    assert results["terraform_json"].passed > 500 and results["kubernetes"].passed > 500


def test_every_suppression_states_its_reason(synthesized: dict[str, Synthesized]) -> None:
    for synth in synthesized.values():
        for document in (synth.platform, synth.workloads):
            for section in ("resource", "data"):
                for blocks in document.get(section, {}).values():
                    for block in blocks.values():
                        raw = block.get(COMMENT_KEY, {}).get(FIELD)
                        if raw:
                            reasons = skips_in(block)
                            assert reasons and all(len(reason) > 20 for reason in reasons.values()), raw


def write_stack(root: Path, name: str, document: dict | str) -> Path:
    stack = root / name
    stack.mkdir()
    (stack / "cdk.tf.json").write_text(document if isinstance(document, str) else json.dumps(document))
    return stack


@pytest.fixture(scope="module")
def broken_inputs(synthesized: dict[str, Synthesized], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """One gate run (checkov costs seconds a run) over three stacks that must each fail, told apart by folder name:
    dev's platform without its suppressions, a stack that does not parse, and dev's platform with a world-open public
    endpoint but every suppression in place; and a Pod manifest that breaks Kubernetes checks."""
    root = tmp_path_factory.mktemp("broken-inputs")
    source = synthesized["dev"].outdir / "stacks" / "tap-platform-dev" / "cdk.tf.json"

    unsuppressed = json.loads(source.read_text())
    for section in ("resource", "data"):
        for blocks in unsuppressed[section].values():
            for block in blocks.values():
                block.get(COMMENT_KEY, {}).pop(FIELD, None)

    # The trust rules refuse 0.0.0.0/0 in config; should one slip through, CKV_AWS_38 still fails (it is never skipped).
    world_open = json.loads(source.read_text())
    (cluster,) = world_open["resource"]["aws_eks_cluster"].values()
    assert skips_in(cluster)  # the CKV_AWS_39 skip stays in place
    cluster["vpc_config"]["public_access_cidrs"] = ["0.0.0.0/0"]

    stacks = [
        write_stack(root, "tap-platform-dev-unsuppressed", unsuppressed),
        write_stack(root, "broken-stack", '{"resource": {"aws_vpc": {"x": '),
        write_stack(root, "tap-platform-dev-world-open", world_open),
    ]
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx}]\n"
    # An unquoted ': ' in an annotation: checkov reads the file as nothing and reports no error itself.
    unreadable = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: q\n  annotations:\n    note: a reason: with a colon\nspec: {}\n"
    return problems(gate(stacks, {"dev/bad.yaml": pod, "dev/unreadable.yaml": unreadable}))


def failures_in(found: list[str], stack: str) -> list[str]:
    return [p for p in found if f"/{stack}/cdk.tf.json)" in p]


def test_the_gate_fails_without_the_suppressions_and_on_a_parse_error(broken_inputs: list[str]) -> None:
    found = failures_in(broken_inputs, "tap-platform-dev-unsuppressed")
    assert any("FAILED CKV2_AWS_57" in p for p in found), broken_inputs
    assert any("FAILED CKV_AWS_39" in p for p in found), broken_inputs
    assert any(p.startswith("kubernetes: FAILED") for p in broken_inputs)
    assert any("parse error" in p and "broken-stack" in p for p in broken_inputs)


def test_a_manifest_checkov_reads_as_nothing_fails_the_gate(broken_inputs: list[str]) -> None:
    assert any("/kubernetes/dev/unreadable.yaml was read as nothing" in p for p in broken_inputs), broken_inputs
    assert not any("/kubernetes/dev/bad.yaml was read as nothing" in p for p in broken_inputs)


def test_a_world_open_public_endpoint_fails_the_gate_even_with_the_endpoint_skip(broken_inputs: list[str]) -> None:
    """The trust rules refuse 0.0.0.0/0 in config; should one slip through, CKV_AWS_38 still fails (it is never skipped)."""
    found = failures_in(broken_inputs, "tap-platform-dev-world-open")
    assert any("FAILED CKV_AWS_38" in p for p in found), broken_inputs
