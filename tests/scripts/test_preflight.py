"""The image preflight, against moto's ECR in this process: it names each missing image and stops.
Without credentials, or with ECR out of reach, it says so in one line and exits 2."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import moto
import pytest

from config.model import EnvironmentConfig
from config.pins import collector_release, pin
from scripts.preflight import main, missing_images, uncached_platform_images
from tests.conftest import REPO_ROOT

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": "sha256:" + "a" * 64},
        "layers": [],
    }
)


@pytest.fixture
def ecr(monkeypatch: pytest.MonkeyPatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        yield boto3.client("ecr", region_name="us-east-1")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere boto3 looks: variables, profiles, files, container or instance metadata."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def repositories(config: EnvironmentConfig) -> dict[str, str]:
    return {service: f"{config.repository_prefix}/{spec.repository}" for service, spec in config.services.items()}


def push(ecr, repository: str, tag: str) -> None:
    ecr.put_image(repositoryName=repository, imageManifest=MANIFEST, imageTag=tag)


def test_each_missing_image_is_named_and_the_apply_is_stopped(ecr, configs, capsys: pytest.CaptureFixture[str]) -> None:
    config = configs["prod"]
    repos = repositories(config)
    for repository in repos.values():
        ecr.create_repository(repositoryName=repository)
    push(ecr, repos["payment"], config.deployed_image_tags["payment"][0])
    push(ecr, repos["reporting"], "0.0.1-old")  # a different tag does not count

    assert main(["preflight", "prod"]) == 1

    errors = capsys.readouterr().err.splitlines()
    for service in ("fraud-detection", "reporting"):
        (tag,) = config.deployed_image_tags[service]
        assert f"error: missing image {repos[service]}:{tag} (service {service}): no image with this tag: build and push it" in errors
    assert not any(repos["payment"] in line for line in errors)


# The platform's public images as their records pin them (workloads/data/adot_collector.json, the chart lock),
# under the prefixes `<cluster>-ecr-public` and `<cluster>-k8s`.
def cached_repositories(config: EnvironmentConfig) -> dict[str, tuple[str, str]]:
    collector_path, collector_tag = collector_release()["image"].removeprefix("public.ecr.aws/").rsplit(":", 1)
    kube_state_metrics = pin("kube-state-metrics")["image"]
    assert kube_state_metrics["repository"].startswith("registry.k8s.io/")
    return {
        "Container Insights collector": (f"{config.cluster_name}-ecr-public/{collector_path}", collector_tag),
        "kube-state-metrics": (
            f"{config.cluster_name}-k8s/{kube_state_metrics['repository'].removeprefix('registry.k8s.io/')}",
            kube_state_metrics["tag"],
        ),
    }


def cache_platform_images(ecr, config: EnvironmentConfig) -> None:
    """What a first pull through the pull-through cache leaves behind: the repository and the tag."""
    for repository, tag in cached_repositories(config).values():
        ecr.create_repository(repositoryName=repository)
        push(ecr, repository, tag)


def test_the_preflight_passes_once_every_image_is_pushed(ecr, configs, capsys: pytest.CaptureFixture[str]) -> None:
    config = configs["prod"]
    for service, repository in repositories(config).items():
        ecr.create_repository(repositoryName=repository)
        push(ecr, repository, config.deployed_image_tags[service][0])
    cache_platform_images(ecr, config)

    assert main(["preflight", "prod"]) == 0
    assert "all 3 images are in ECR (us-east-1), and the 2 platform images are cached" in capsys.readouterr().out


def test_platform_images_not_yet_cached_are_named_with_the_pull_that_caches_them(ecr, configs, capsys) -> None:
    config = configs["prod"]
    for service, repository in repositories(config).items():
        ecr.create_repository(repositoryName=repository)
        push(ecr, repository, config.deployed_image_tags[service][0])

    assert main(["preflight", "prod"]) == 1

    errors = capsys.readouterr().err
    for name, (repository, tag) in cached_repositories(config).items():
        assert f"error: missing image {repository}:{tag} (service {name}): not in the pull-through cache yet" in errors
        assert f"docker pull 123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:{tag}" in errors  # moto's account


def test_an_older_cached_tag_does_not_count(ecr, configs) -> None:
    config = configs["dev"]
    for repository, _tag in cached_repositories(config).values():
        ecr.create_repository(repositoryName=repository)
        push(ecr, repository, "v0.0.1")
    missing = uncached_platform_images(config, ecr, "registry")
    assert {m.service for m in missing} == set(cached_repositories(config))


def test_the_emulator_has_no_cache_to_ask(ecr, configs) -> None:
    assert uncached_platform_images(configs["local"], ecr, "registry") == []


def test_a_platform_not_yet_applied_is_named_too(ecr, configs) -> None:
    missing = missing_images(configs["dev"], ecr)
    assert {m.service for m in missing} == set(configs["dev"].services)
    assert all("apply the platform stack first" in m.reason for m in missing)


def test_an_unknown_environment_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight", "nowhere"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown environment 'nowhere'")


def test_a_pinned_digest_must_be_the_one_the_tag_carries(ecr, configs) -> None:
    config = configs["dev"]
    service = config.services["payment"]
    pinned = config.model_copy(
        update={
            "services": {
                "payment": service.model_copy(
                    update={"values": {**service.values, "image": {"tag": "1.0.0", "digest": "sha256:" + "b" * 64}}}
                )
            }
        }
    )
    repository = repositories(pinned)["payment"]
    ecr.create_repository(repositoryName=repository)
    push(ecr, repository, "1.0.0")

    (problem,) = missing_images(pinned, ecr)

    assert problem.tag == "1.0.0" and "image.digest pins sha256:bbbb" in problem.reason


def test_without_credentials_it_says_so_in_one_line_and_exits_2(no_credentials, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight", "prod"]) == 2

    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("error: no usable AWS credentials to ask ECR in us-east-1 (Unable to locate credentials): set AWS_PROFILE")
    assert captured.out == ""


def test_with_the_endpoint_out_of_reach_it_says_so_in_one_line_and_exits_2(
    no_credentials, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "made-up")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "made-up")
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)

    assert main(["preflight", "prod"]) == 2

    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f'error: cannot reach ECR in us-east-1 (Could not connect to the endpoint URL: "{endpoint}/")')


def test_the_command_a_user_runs_prints_no_traceback(no_credentials) -> None:
    """`make preflight` runs `python -m scripts.preflight ENV`: the whole process, not only main()."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.preflight", "prod"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: no usable AWS credentials")
