"""The third-party charts' lock, and the values the stack passes checked against upstream's facts.

Runs without the vendored charts (CI): the expected value paths are facts recorded from upstream's
values.yaml and templates at the pinned tag (charts/third_party.lock.json), never our own code.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from config.pins import lock
from scripts.vendor_charts import Refused, main, vendor
from tests.conftest import Synthesized
from workloads.third_party_charts import content_digest, unknown_paths, verify
from workloads.third_party_render import VENDORED_PREFIX, chart_of, release_values, third_party_releases

FIELDS = {
    "helm_repository",
    "chart",
    "version",
    "app_version",
    "git_repository",
    "tag",
    "commit",
    "path",
    "image",
    "content_sha256",
    "upstream_value_paths",
    "upstream_passthrough_paths",
    "upstream_template_kinds",
}


def test_every_pin_names_its_source_commit_digest_and_image() -> None:
    for name, pin in lock().items():
        assert set(pin) == FIELDS, name
        assert (
            pin["chart"] == name
            and pin["helm_repository"].startswith("https://")
            and pin["git_repository"].startswith("https://github.com/")
        )
        assert re.fullmatch(r"[0-9a-f]{40}", pin["commit"]) and re.fullmatch(r"[0-9a-f]{64}", pin["content_sha256"]), name
        image = pin["image"]
        assert image["tag"] and "/" in image["repository"], name
        # A digest where upstream publishes one, else the record says why not.
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", image["digest"]) if image["digest"] else "not published" in image["digest_source"]
        assert image["digest_source"]


def test_every_third_party_release_installs_the_vendored_pinned_chart(env: Synthesized) -> None:
    releases = third_party_releases(env.workloads)
    assert {chart_of(r) for r in releases.values()} == set(lock())
    for key, release in releases.items():
        assert "repository" not in release, key  # nothing is downloaded at apply
        assert release["chart"] == VENDORED_PREFIX + chart_of(release)
        assert release["version"] == lock()[chart_of(release)]["version"], key


def test_every_value_path_the_stack_passes_exists_upstream(env: Synthesized) -> None:
    for key, release in third_party_releases(env.workloads).items():
        pin = lock()[chart_of(release)]
        values = release_values(release, env.config)
        assert unknown_paths(values, pin["upstream_value_paths"], pin["upstream_passthrough_paths"]) == [], key


def test_images_are_the_pinned_tag_and_digest(env: Synthesized) -> None:
    """In each chart's own image keys (which keys render the image: docs/upstream.md)."""
    releases = {chart_of(r): release_values(r, env.config) for r in third_party_releases(env.workloads).values()}
    pins = {name: lock()[name]["image"] for name in lock()}
    controller = releases["aws-load-balancer-controller"]["image"]
    assert (controller["repository"], controller["tag"]) == (pins["aws-load-balancer-controller"]["repository"], "v2.17.1")
    metrics = releases["metrics-server"]["image"]
    assert metrics["tag"] == f"v0.7.2@{pins['metrics-server']['digest']}"
    kube_state = releases["kube-state-metrics"]["image"]
    assert (kube_state["tag"], kube_state["sha"]) == ("v2.14.0", pins["kube-state-metrics"]["digest"])


def test_an_unknown_value_path_is_reported_and_passthrough_objects_are_open() -> None:
    upstream = ["image", "image.tag", "resources", "securityContext", "securityContext.runAsNonRoot"]
    assert unknown_paths({"image": {"tag": "v1", "tags": "x"}}, upstream, []) == ["image.tags"]
    assert unknown_paths({"resources": {"limits": {"memory": "1Gi"}}}, upstream, []) == []
    assert unknown_paths({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}, upstream, []) == [
        "securityContext.seccompProfile",
        "securityContext.seccompProfile.type",
    ]
    assert unknown_paths({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}, upstream, ["securityContext"]) == []
    assert unknown_paths({"imagee": {}}, upstream, []) == ["imagee"]


# The digest and the vendoring, on small charts made here.


def fake_chart(root: Path, name: str = "demo", version: str = "1.2.3") -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: v9.9.9\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "deployment.yaml").write_text("kind: Deployment\n")
    (chart / "README.md").write_text("docs\n")
    (chart / ".helmignore").write_text("# comment\nci/\n*.bak\n")
    return chart


def pin_of(chart: Path, version: str = "1.2.3") -> dict:
    return {"chart": chart.name, "version": version, "app_version": "v9.9.9", "content_sha256": content_digest(chart)}


def test_the_digest_covers_what_renders_and_nothing_else(tmp_path: Path) -> None:
    chart = fake_chart(tmp_path)
    before = content_digest(chart)
    (chart / "README.md").write_text("other docs\n")
    (chart / "ci").mkdir()
    (chart / "ci" / "values.yaml").write_text("x: 1\n")
    (chart / "templates" / "old.bak").write_text("ignored by .helmignore\n")
    assert content_digest(chart) == before
    (chart / "templates" / "deployment.yaml").write_text("kind: DaemonSet\n")
    edited = content_digest(chart)
    (chart / "templates" / "service.yaml").write_text("")
    (chart / "values.yaml").write_text("replicas: 2\n")
    assert len({before, edited, content_digest(chart)}) == 3


def test_verify_refuses_a_tampered_chart_or_another_version(tmp_path: Path) -> None:
    chart = fake_chart(tmp_path)
    expected = pin_of(chart)
    assert verify(chart, expected) is None
    (chart / "templates" / "deployment.yaml").write_text("kind: Deployment\n# tampered\n")
    assert "content digest" in (verify(chart, expected) or "")
    other = fake_chart(tmp_path / "other", version="1.2.4")
    assert "version is '1.2.4', the lock pins '1.2.3'" in (verify(other, {**pin_of(other), "version": "1.2.3"}) or "")
    assert "no Chart.yaml" in (verify(tmp_path / "missing", expected) or "")


def test_vendoring_is_all_or_nothing(tmp_path: Path) -> None:
    source = tmp_path / "source"
    pins = {"demo": pin_of(fake_chart(source, "demo")), "other": pin_of(fake_chart(source, "other"))}
    vendor_dir = tmp_path / "charts" / "vendor"
    assert vendor(source, vendor_dir, pins) == ["demo", "other"]
    assert content_digest(vendor_dir / "demo") == pins["demo"]["content_sha256"]
    (source / "other" / "values.yaml").write_text("replicas: 5\n")
    (source / "demo" / "values.yaml").write_text("replicas: 3\n")
    pins["demo"] = pin_of(source / "demo")  # the first is fine, the second tampered: neither is written
    with pytest.raises(Refused, match=r"^other: refused: other: content digest"):
        vendor(source, vendor_dir, pins)
    assert (vendor_dir / "demo" / "values.yaml").read_text() == "replicas: 1\n"
    assert sorted(p.name for p in vendor_dir.parent.iterdir()) == ["vendor"]  # no staging left behind
    shutil.rmtree(source / "other")
    with pytest.raises(Refused, match="is not a directory"):
        vendor(source, vendor_dir, pins)


def test_the_command_refuses_in_one_line_with_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--from", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    (tmp_path / "aws-load-balancer-controller").mkdir()
    assert main(["--from", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: aws-load-balancer-controller: refused:") and err.count("\n") == 1


def test_the_synth_warns_in_one_line_when_a_chart_is_not_vendored(tmp_path: Path) -> None:
    """`terraform plan` loads each chart from charts/vendor/; the synth says so before the Helm provider fails."""
    from workloads.third_party_charts import vendoring_warning

    message = vendoring_warning(tmp_path / "vendor")
    assert message is not None and "\n" not in message
    assert message.endswith("run `make vendor-charts` before planning the workloads stack")
    assert "(aws-load-balancer-controller, kube-state-metrics, metrics-server)" in message
