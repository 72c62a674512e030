"""Run the workloads apply through the deploy runner inside the VPC (docs/deploy-runner.md).

    python -m scripts.deploy_workloads ENV [--plan]     # or: make deploy-workloads ENV=prod [PLAN=1]

Where the API endpoint is private, nothing outside the VPC reaches the Kubernetes API. This packages
the synthesized workloads stack with the charts it installs (the paths the stack names, relative to
the repository), uploads the package to the runner's source bucket, starts a build of exactly that
object version, and prints the build's log until it finishes. Exit status 0 when the build
succeeded, 1 when it failed or AWS refused a call (one line), 2 for a usage or configuration error,
130 on Ctrl-C (the build goes on; the line says how to stop it). AWS credentials come the usual way
(boto3: AWS_PROFILE, environment variables, SSO, instance roles); AWS_ENDPOINT_URL points it at an
emulator.
"""

from __future__ import annotations

import io
import os
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from app_support.stack_names import workloads_stack_name
from config.deploy_runner import SOURCE_KEY, runner_name, source_bucket_name
from config.loader import REPO_ROOT, ConfigError
from config.model import EnvironmentConfig, S3Backend
from scripts import cli

# What the workloads stack reads from the repository besides its own JSON (workloads/stack.py: chart_path_of).
PACKAGED_DIRECTORIES = ("charts/service", "charts/container-insights")
# Longer than any build may run (the project's 60-minute queue and 90-minute build timeouts), so
# the loop always ends even if CodeBuild never reported completion.
FOLLOW_LIMIT_SECONDS = (60 + 90 + 10) * 60
POLL_SECONDS = 10


class DeployError(Exception):
    """One line for the user; exit status 1."""


@dataclass(frozen=True)
class Clients:
    sts: Any
    s3: Any
    codebuild: Any
    logs: Any

    @classmethod
    def for_region(cls, region: str) -> Clients:
        session = boto3.session.Session(region_name=region)
        return cls(*(session.client(name) for name in ("sts", "s3", "codebuild", "logs")))


def check_runnable(config: EnvironmentConfig) -> None:
    """A runner exists only where the endpoint is private, and it can only apply with remote state."""
    where = f"config/environments/{config.name}.yaml"
    if config.endpoint.public:
        raise ConfigError(
            f"{where}: endpoint.public: the API endpoint is public here, so the platform creates no runner; "
            "apply the workloads stack directly (docs/platform-team.md, 'Deploying to real AWS', step 7)"
        )
    if not isinstance(config.backend, S3Backend) and config.emulator is None:
        raise ConfigError(f"{where}: backend: kind local keeps Terraform state on this machine, which the runner cannot use; use kind s3")


def package(repo: Path, stack: str, outdir: Path | None = None) -> bytes:
    """A zip of the stack's JSON (as `cdktf.out/stacks/<stack>/cdk.tf.json`, where the stack finds the
    charts at ../../..) and the charts, with fixed timestamps: the same inputs give the same bytes."""
    stack_file = (outdir or repo / "cdktf.out") / "stacks" / stack / "cdk.tf.json"
    if not stack_file.is_file():
        raise ConfigError(f"cdktf.out/stacks/{stack}/cdk.tf.json: not synthesized; run `make synth ENV=...` first")
    files = {f"cdktf.out/stacks/{stack}/cdk.tf.json": stack_file}
    for directory in PACKAGED_DIRECTORIES:
        for path in sorted((repo / directory).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(repo).as_posix()] = path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def start(config: EnvironmentConfig, clients: Clients, body: bytes, *, apply: bool) -> str:
    """Upload the package and start a build of exactly that object version; the build id."""
    account = clients.sts.get_caller_identity()["Account"]
    bucket = source_bucket_name(config.cluster_name, account)
    version = clients.s3.put_object(Bucket=bucket, Key=SOURCE_KEY, Body=body).get("VersionId")
    build = clients.codebuild.start_build(
        projectName=runner_name(config.cluster_name),
        **({"sourceVersion": version} if version else {}),
        environmentVariablesOverride=[{"name": "TERRAFORM_ACTION", "value": "apply" if apply else "plan", "type": "PLAINTEXT"}],
    )["build"]
    return build["id"]


def log_lines(logs: Any, group: str, stream: str, token: str | None) -> tuple[list[str], str | None]:
    kwargs = {"logGroupName": group, "logStreamName": stream, "startFromHead": True, **({"nextToken": token} if token else {})}
    try:
        page = logs.get_log_events(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFoundException":  # the stream appears once the build runs
            return [], token
        raise
    return [event["message"].rstrip("\n") for event in page["events"]], page.get("nextForwardToken")


def follow(
    clients: Clients, build_id: str, *, echo: Callable[[str], None] = print, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any]:
    """Print the build's log as it arrives; the finished build."""
    token: str | None = None
    for _ in polls():
        (build,) = clients.codebuild.batch_get_builds(ids=[build_id])["builds"]
        cloudwatch = build.get("logs", {})
        if cloudwatch.get("groupName") and cloudwatch.get("streamName"):
            while True:
                lines, next_token = log_lines(clients.logs, cloudwatch["groupName"], cloudwatch["streamName"], token)
                for line in lines:
                    echo(line)
                if next_token == token or not lines:
                    token = next_token
                    break
                token = next_token
        if build.get("buildComplete"):
            return build
        sleep(POLL_SECONDS)
    raise DeployError(f"build {build_id} did not finish within {FOLLOW_LIMIT_SECONDS // 60} minutes; see the CodeBuild console")


def polls() -> Iterator[int]:
    yield from range(FOLLOW_LIMIT_SECONDS // POLL_SECONDS)


def describe(error: Exception) -> str:
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found: sign in (aws sso login, AWS_PROFILE or environment variables) as the deployer"
    if isinstance(error, ClientError):
        details = error.response["Error"]
        operation = error.operation_name
        if details.get("Code") == "ResourceNotFoundException" and operation == "StartBuild":
            return f"{operation}: the runner project does not exist: apply the platform stack first ({details.get('Message', '')})"
        if details.get("Code") == "NoSuchBucket":
            return f"{operation}: the runner's source bucket does not exist: apply the platform stack first"
        return f"{operation}: {details.get('Code')}: {' '.join(str(details.get('Message', '')).split())}"
    return " ".join(str(error).split())


def deploy(
    config: EnvironmentConfig,
    repo: Path,
    clients: Clients,
    *,
    apply: bool,
    outdir: Path | None = None,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    check_runnable(config)
    stack = workloads_stack_name(config.name)
    body = package(repo, stack, outdir)
    build_id = start(config, clients, body, apply=apply)
    echo(f"==> build {build_id} ({'apply' if apply else 'plan'} of {stack}, {len(body) // 1024} KiB package); its log follows")
    try:
        build = follow(clients, build_id, echo=echo, sleep=sleep)
    except KeyboardInterrupt:
        print(f"interrupted: build {build_id} goes on; stop it with: aws codebuild stop-build --id {build_id}", file=sys.stderr)
        return 130
    status = build.get("buildStatus")
    if status != "SUCCEEDED":
        failed = [p["phaseType"] for p in build.get("phases", []) if p.get("phaseStatus") not in (None, "SUCCEEDED")]
        print(f"error: build {build_id}: {status}{' in ' + ', '.join(failed) if failed else ''}", file=sys.stderr)
        return 1
    echo(f"build {build_id}: SUCCEEDED")
    return 0


@cli.refusals_exit_2
def main(argv: list[str], repo: Path = REPO_ROOT) -> int:
    config, _, flags = cli.environment_arguments(argv, "usage: python -m scripts.deploy_workloads ENVIRONMENT [--plan]", flags={"--plan"})
    try:
        check_runnable(config)
        return deploy(config, repo, Clients.for_region(config.region), apply="--plan" not in flags)
    except NoRegionError as error:
        print(f"error: {describe(error)}", file=sys.stderr)
        return 2
    except (DeployError, ClientError, BotoCoreError) as error:
        print(f"error: {describe(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
