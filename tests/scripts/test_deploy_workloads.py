"""`make deploy-workloads` against moto's S3, CodeBuild and CloudWatch Logs in this process.

moto's CodeBuild stores projects and builds but runs nothing: a build reads SUCCEEDED on its second
BatchGetBuilds and has no log stream. So the log-following logic is checked with a build record
that names a moto log stream (a stand-in client that answers BatchGetBuilds), everything else with
moto as it is.
"""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import moto
import pytest

from config.deploy_runner import SOURCE_KEY, runner_name, source_bucket_name
from scripts.deploy_workloads import Clients, deploy, follow, main, package, start
from tests.conftest import REPO_ROOT

ACCOUNT = "123456789012"  # moto's


@pytest.fixture
def outdir(tmp_path):
    """A stand-in for prod's synthesized workloads stack: what is packaged, not what it contains, is checked here."""
    stack = tmp_path / "stacks" / "tap-workloads-prod"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text('{"resource": {}}')
    return tmp_path


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        yield Clients.for_region("us-east-1")


class Recording:
    """The CodeBuild client, recording StartBuild's parameters (moto keeps only some of them)."""

    def __init__(self, client: Any) -> None:
        self.client, self.started = client, []

    def start_build(self, **kwargs: Any) -> dict:
        self.started.append(kwargs)
        return self.client.start_build(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def create_runner(clients: Clients, config) -> str:
    bucket = source_bucket_name(config.cluster_name, ACCOUNT)
    clients.s3.create_bucket(Bucket=bucket)
    clients.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    clients.codebuild.create_project(
        name=runner_name(config.cluster_name),
        source={"type": "S3", "location": f"{bucket}/{SOURCE_KEY}"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=f"arn:aws:iam::{ACCOUNT}:role/runner",
    )
    return bucket


def test_deploy_uploads_the_package_and_builds_exactly_that_version(configs, outdir, aws: Clients) -> None:
    prod = configs["prod"]
    bucket = create_runner(aws, prod)
    recording = Recording(aws.codebuild)
    clients = Clients(aws.sts, aws.s3, recording, aws.logs)
    start(prod, clients, package(REPO_ROOT, "tap-workloads-prod", outdir), apply=True)
    stored = aws.s3.get_object(Bucket=bucket, Key=SOURCE_KEY)
    names = zipfile.ZipFile(io.BytesIO(stored["Body"].read())).namelist()
    assert "cdktf.out/stacks/tap-workloads-prod/cdk.tf.json" in names
    assert {"charts/service/Chart.yaml", "charts/container-insights/Chart.yaml"} <= set(names)
    (started,) = recording.started
    assert started["projectName"] == "tap-prod-deploy-workloads"
    assert started["sourceVersion"] == stored["VersionId"]
    assert started["environmentVariablesOverride"] == [{"name": "TERRAFORM_ACTION", "value": "apply", "type": "PLAINTEXT"}]


def test_plan_only_asks_the_runner_to_plan(configs, outdir, aws: Clients) -> None:
    prod = configs["prod"]
    create_runner(aws, prod)
    recording = Recording(aws.codebuild)
    clients = Clients(aws.sts, aws.s3, recording, aws.logs)
    start(prod, clients, package(REPO_ROOT, "tap-workloads-prod", outdir), apply=False)
    assert recording.started[0]["environmentVariablesOverride"][0]["value"] == "plan"


def test_the_package_is_the_same_for_the_same_inputs(outdir) -> None:
    assert package(REPO_ROOT, "tap-workloads-prod", outdir) == package(REPO_ROOT, "tap-workloads-prod", outdir)


def test_without_the_platform_applied_it_says_so_in_one_line(configs, outdir, aws: Clients, capsys) -> None:
    prod = configs["prod"]
    aws.s3.create_bucket(Bucket=source_bucket_name(prod.cluster_name, ACCOUNT))
    with pytest.raises(Exception) as raised:
        deploy(prod, REPO_ROOT, aws, apply=True, outdir=outdir, echo=lambda _: None, sleep=lambda _: None)
    from scripts.deploy_workloads import describe

    assert describe(raised.value).startswith("StartBuild: the runner project does not exist: apply the platform stack first")


def test_follow_prints_the_build_log_as_it_arrives(aws: Clients) -> None:
    aws.logs.create_log_group(logGroupName="/aws/codebuild/runner")
    aws.logs.create_log_stream(logGroupName="/aws/codebuild/runner", logStreamName="build-1")
    aws.logs.put_log_events(
        logGroupName="/aws/codebuild/runner",
        logStreamName="build-1",
        logEvents=[{"timestamp": int(time.time() * 1000) + i, "message": f"line {i}\n"} for i in range(3)],
    )

    class Builds:
        calls = 0

        def batch_get_builds(self, ids: list[str]) -> dict:
            self.calls += 1
            logs = {"groupName": "/aws/codebuild/runner", "streamName": "build-1"}
            return {"builds": [{"id": ids[0], "logs": logs, "buildComplete": self.calls > 1, "buildStatus": "FAILED"}]}

    lines: list[str] = []
    build = follow(Clients(aws.sts, aws.s3, Builds(), aws.logs), "runner:1", echo=lines.append, sleep=lambda _: None)
    assert lines == ["line 0", "line 1", "line 2"]  # each line once, though polled twice
    assert build["buildStatus"] == "FAILED"


def test_a_public_endpoint_has_no_runner(capsys) -> None:
    assert main(["deploy_workloads", "dev"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: config/environments/dev.yaml: endpoint.public: the API endpoint is public here")


def test_usage_and_an_unknown_environment_are_one_line(capsys) -> None:
    assert main(["deploy_workloads"]) == 2
    assert main(["deploy_workloads", "prod", "--force"]) == 2
    assert main(["deploy_workloads", "nope"]) == 2
    assert all(line.startswith(("usage:", "error:")) for line in capsys.readouterr().err.strip().splitlines())


def test_missing_credentials_are_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    stacks = tmp_path / "cdktf.out" / "stacks" / "tap-workloads-prod"
    stacks.mkdir(parents=True)
    (stacks / "cdk.tf.json").write_text("{}")
    for directory in ("charts/service", "charts/container-insights"):
        (tmp_path / directory).mkdir(parents=True)
    assert main(["deploy_workloads", "prod"], repo=tmp_path) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: no AWS credentials found")
