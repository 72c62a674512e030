"""The ECR pull-through cache for the platform's public images, as synthesized and rendered.

Expected values come from eks_platform/data/image_mirror.json (AWS documentation and the
kube-state-metrics chart's values at its tag) and the chart lock (that tag, the chart's appVersion),
never from the code under test.
"""

from __future__ import annotations

import json
import re
from typing import Any

import helm_python as helm
import pytest
import yaml

from config.loader import REPO_ROOT
from config.model import EmulatorFeature
from config.observability import COLLECTOR_NAMESPACE
from config.pins import lock
from tests.conftest import Synthesized
from workloads.container_insights import CHART_DIR, COLLECTOR_RELEASE, collector_values

FACTS = json.loads((REPO_ROOT / "eks_platform" / "data" / "image_mirror.json").read_text())
ADOT = json.loads((REPO_ROOT / "workloads" / "data" / "adot_collector.json").read_text())
KSM_CHART = FACTS["kube_state_metrics_chart"]
ACCOUNT = "${data.aws_caller_identity.caller.account_id}"
PARTITION = "${data.aws_partition.partition.partition}"
STATE = "${data.terraform_remote_state.platform.outputs.%s}"
# The upstreams the platform's images come from, and the image each pulls.
UPSTREAMS = {"public.ecr.aws": ADOT["release"]["image"], KSM_CHART["default_registry"]: None}


def mirrors(env: Synthesized) -> dict[str, str]:
    """Upstream registry URL -> the mirror path pods use instead (`<registry>/<prefix>`), from the platform's outputs."""
    outputs = env.platform["output"]
    registry = f"{ACCOUNT}.dkr.ecr.{env.config.region}.amazonaws.com"
    found = {"public.ecr.aws": outputs["public_ecr_mirror"]["value"], "registry.k8s.io": outputs["kubernetes_registry_mirror"]["value"]}
    for mirror in found.values():
        assert mirror.startswith(registry + "/"), mirror
    return found


def prefix_of(env: Synthesized, upstream: str) -> str:
    registry = f"{ACCOUNT}.dkr.ecr.{env.config.region}.amazonaws.com/"
    return mirrors(env)[upstream].removeprefix(registry)


def omits_rules(env: Synthesized) -> bool:
    return env.config.omits(EmulatorFeature.ECR_PULL_THROUGH_CACHE)


def test_one_rule_per_public_upstream_and_none_needs_credentials(env: Synthesized) -> None:
    rules = env.resources("platform", "aws_ecr_pull_through_cache_rule")
    if omits_rules(env):
        assert rules == {}
        return
    by_upstream = {rule["upstream_registry_url"]: rule for rule in rules.values()}
    assert set(by_upstream) == set(UPSTREAMS)
    assert set(by_upstream) <= set(FACTS["upstream_registries"]["without_credentials"].values())
    for upstream, rule in by_upstream.items():
        assert "credential_arn" not in rule and "custom_role_arn" not in rule, upstream
        # The prefix the workloads pull through is the rule's own.
        assert rule["ecr_repository_prefix"] == prefix_of(env, upstream)


def test_prefixes_are_ones_the_ecr_api_accepts_and_name_the_environment(env: Synthesized) -> None:
    limits = FACTS["repository_prefix"]
    for upstream in UPSTREAMS:
        prefix = prefix_of(env, upstream)
        assert limits["min_length"] <= len(prefix) <= limits["max_length"], prefix
        assert re.fullmatch(limits["pattern"], prefix), prefix
        # Rules are per account and region: two environments in one account must not share a prefix.
        assert env.config.cluster_name in prefix
    assert len({prefix_of(env, upstream) for upstream in UPSTREAMS}) == len(UPSTREAMS)


def test_prefixes_differ_between_environments(synthesized: dict[str, Synthesized]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for name, env in synthesized.items():
        for upstream in UPSTREAMS:
            key = (env.config.region, prefix_of(env, upstream))
            assert key not in seen, (name, seen.get(key))
            seen[key] = name


def test_the_emulator_leaves_the_rules_out_with_a_reason() -> None:
    local = yaml.safe_load((REPO_ROOT / "config" / "environments" / "local.yaml").read_text())
    reason = local["emulator"]["omit"][EmulatorFeature.ECR_PULL_THROUGH_CACHE.value]
    assert "moto" in reason and "pull-through cache" in reason


def test_the_pod_execution_role_may_fill_only_the_mirrors_repositories(env: Synthesized) -> None:
    document = env.data("platform", "aws_iam_policy_document")["fargate_image_mirror"]
    (statement,) = document["statement"]
    assert statement["effect"] == "Allow"
    assert sorted(statement["actions"]) == sorted(FACTS["puller_actions"]["actions"])
    expected = {f"arn:{PARTITION}:ecr:{env.config.region}:{ACCOUNT}:repository/{prefix_of(env, upstream)}/*" for upstream in UPSTREAMS}
    assert set(statement["resources"]) == expected
    grant = env.resources("platform", "aws_iam_role_policy")["fargate_image_mirror_grant"]
    assert grant["role"] == "${aws_iam_role.fargate_pod_execution_role.id}"
    assert grant["policy"] == "${data.aws_iam_policy_document.fargate_image_mirror.json}"


def test_the_fargate_profiles_wait_for_the_grant(env: Synthesized) -> None:
    profiles = env.resources("platform", "aws_eks_fargate_profile")
    first = [profile for profile in profiles.values() if "aws_iam_role_policy.fargate_image_mirror_grant" in profile.get("depends_on", [])]
    assert len(first) == 1


def kube_state_metrics_image(env: Synthesized) -> tuple[str, dict[str, Any]]:
    release = env.resources("workloads", "helm_release")["container_insights_kube_state_metrics"]
    values = json.loads(release["values"][0])
    settings = {entry["name"]: entry["value"] for entry in release["set"]}
    return settings["image.registry"], values["image"]


def test_kube_state_metrics_pulls_the_charts_image_through_the_mirror(env: Synthesized) -> None:
    registry, image = kube_state_metrics_image(env)
    assert registry == STATE % "kubernetes_registry_mirror"
    assert set(image) <= set(KSM_CHART["image_keys"])
    # Same repository and tag as the chart's default image, so the cache serves exactly it.
    assert image["repository"] == KSM_CHART["default_repository"]
    assert image["tag"] == "v" + lock()["kube-state-metrics"]["app_version"]
    assert env.platform["output"]["kubernetes_registry_mirror"]["value"] == mirrors(env)["registry.k8s.io"]


def test_the_collector_pulls_through_the_mirror(env: Synthesized) -> None:
    release = env.resources("workloads", "helm_release")["container_insights_collector"]
    settings = {entry["name"]: entry["value"] for entry in release["set"]}
    assert settings["imageMirror"] == STATE % "public_ecr_mirror"
    assert "imageMirror" not in json.loads(release["values"][0])  # known only at apply


MIRROR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/tap-dev-ecr-public"


def render(**extra: str) -> list[dict[str, Any]]:
    values = {**collector_values(cluster_name="tap-dev", region="us-east-1"), "roleArn": "arn:aws:iam::111122223333:role/r", **extra}
    with helm.Chart.load(str(CHART_DIR)) as chart:
        files = chart.render(values, name=COLLECTOR_RELEASE, namespace=COLLECTOR_NAMESPACE)
    return [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]


def test_the_rendered_collector_image_is_the_mirror_path_of_the_pinned_release() -> None:
    (deployment,) = [doc for doc in render(imageMirror=MIRROR) if doc["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    upstream_registry, path = ADOT["release"]["image"].split("/", 1)
    assert upstream_registry == "public.ecr.aws"
    assert container["image"] == f"{MIRROR}/{path}"
    assert container["image"].endswith(":" + ADOT["release"]["tag"])


def test_the_chart_refuses_to_render_without_the_mirror() -> None:
    with pytest.raises(Exception, match="imageMirror"):
        render()


def test_the_chart_refuses_an_image_the_mirror_does_not_serve() -> None:
    with pytest.raises(Exception, match="only that registry is mirrored"):
        render(imageMirror=MIRROR, image="docker.io/otel/opentelemetry-collector:0.117.0")


def test_a_prefix_the_ecr_api_would_refuse_stops_synthesis() -> None:
    from config.image_mirror import repository_prefix

    limits = FACTS["repository_prefix"]
    with pytest.raises(ValueError, match="2 to 30 characters"):
        repository_prefix("tap-" + "a" * (limits["max_length"]), "k8s")
    with pytest.raises(ValueError, match="2 to 30 characters"):
        repository_prefix("tap-de--v", "k8s")


def test_the_mirrored_images_are_the_pinned_ones() -> None:
    from config.image_mirror import mirrored_images

    images = {(image.upstream, image.path, image.tag) for image in mirrored_images().values()}
    registry, rest = ADOT["release"]["image"].split("/", 1)
    path, tag = rest.rsplit(":", 1)
    assert images == {
        ("ecr-public", path, tag),
        ("k8s", KSM_CHART["default_repository"], "v" + lock()["kube-state-metrics"]["app_version"]),
    }
    assert registry == FACTS["upstream_registries"]["without_credentials"]["ecr-public"]
