"""Before the workloads apply: is every image the environment deploys in its ECR repository?

    python -m scripts.preflight ENV          # or: make preflight ENV=prod

The service releases are atomic with a 10-minute wait: a release whose image is missing waits
in ImagePullBackOff, then rolls back. This names each missing image (repository and tag) first.
It also asks whether the platform's public images (the Container Insights collector,
kube-state-metrics) are already in the ECR pull-through cache: AWS documents that the first pull of
an image through a pull-through cache rule over the ECR interface endpoints needs a route to the
internet, which the Container Insights namespace's security group does not give, so each pinned
tag is cached once from outside the cluster first (docs/container-insights.md, "Image pulls").
Exit status 0 when every image is there, 1 when one is missing (each named on stderr), 2 when
nothing could be checked: a configuration error, no usable AWS credentials, ECR unreachable or
refusing the credentials (one line each, no traceback). Reads the region from the environment
file and AWS credentials the usual way (boto3: AWS_PROFILE, environment variables, SSO,
instance roles); AWS_ENDPOINT_URL points it elsewhere (an emulator). Bounded: a 5 s connect
timeout and three attempts, instead of boto3's 60 s and five.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as EndpointUnreachable

from config.image_mirror import mirrored_images
from config.model import EmulatorFeature, EnvironmentConfig
from scripts import cli

CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "total_max_attempts": 3})
NO_CREDENTIALS = (NoCredentialsError, PartialCredentialsError, ProfileNotFound, SSOError, CredentialRetrievalError, TokenRetrievalError)
# ECR's answers that mean "these credentials cannot be used here", not "this image is missing".
CREDENTIALS_REFUSED = {"UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "AccessDeniedException"}
CREDENTIALS_HINT = (
    "set AWS_PROFILE (after `aws sso login` for an SSO profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run this again"
)


@dataclass(frozen=True)
class MissingImage:
    service: str
    repository: str
    tag: str
    reason: str

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag} (service {self.service}): {self.reason}"


def missing_images(config: EnvironmentConfig, ecr: Any) -> list[MissingImage]:
    """Every (repository, tag) the environment deploys that its ECR registry does not hold.

    With `image.digest` set the pod pulls by digest: the tag must then carry that digest, since
    the lifecycle policy shields images by the deployed tag (an untagged digest would expire).
    """
    missing = []
    for service, tags in config.deployed_image_tags.items():
        repository = f"{config.repository_prefix}/{config.services[service].repository}"
        image = config.services[service].values.get("image")
        digest = image.get("digest") if isinstance(image, dict) else None
        for tag in tags:
            try:
                (found,) = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])["imageDetails"]
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code == "ImageNotFoundException":
                    missing.append(MissingImage(service, repository, tag, "no image with this tag: build and push it"))
                elif code == "RepositoryNotFoundException":
                    missing.append(MissingImage(service, repository, tag, "the repository does not exist: apply the platform stack first"))
                else:
                    raise
                continue
            if digest and found["imageDigest"] != digest:
                reason = f"the tag carries {found['imageDigest']}, but image.digest pins {digest}: push that image under this tag"
                missing.append(MissingImage(service, repository, tag, reason))
    return missing


def uncached_platform_images(config: EnvironmentConfig, ecr: Any, registry: str) -> list[MissingImage]:
    """The platform's public images not yet in the pull-through cache, each with the pull that caches it.

    None where the emulator has no pull-through cache (its rules are left out there).
    """
    if config.omits(EmulatorFeature.ECR_PULL_THROUGH_CACHE):
        return []
    missing = []
    for name, image in mirrored_images().items():
        repository = image.repository(config.cluster_name)
        try:
            ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": image.tag}])
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("ImageNotFoundException", "RepositoryNotFoundException"):
                raise
            reason = (
                "not in the pull-through cache yet; its first pull needs an internet route, which the namespace's security "
                f"group does not give: cache it once from a machine with internet access: docker pull {registry}/{repository}:{image.tag}"
            )
            missing.append(MissingImage(name, repository, image.tag, reason))
    return missing


@cli.refusals_exit_2
def main(argv: list[str]) -> int:
    config = cli.environment_arguments(argv, "usage: python -m scripts.preflight ENVIRONMENT").config
    try:
        ecr = boto3.client("ecr", region_name=config.region, config=CLIENT_CONFIG)
        account = boto3.client("sts", region_name=config.region, config=CLIENT_CONFIG).get_caller_identity()["Account"]
        registry = f"{account}.dkr.ecr.{config.region}.amazonaws.com"
        missing = missing_images(config, ecr) + uncached_platform_images(config, ecr, registry)
    except (BotoCoreError, ClientError) as error:
        print(f"error: {cannot_check(error, config.region)}", file=sys.stderr)
        return 2
    if missing:
        for image in missing:
            print(f"error: missing image {image}", file=sys.stderr)
        print(
            f"error: {len(missing)} image(s) missing in {config.region}; the workloads apply would roll every release back "
            "(docs/platform-team.md, step 5: build and push the images)",
            file=sys.stderr,
        )
        return 1
    count = sum(len(tags) for tags in config.deployed_image_tags.values())
    cached = (
        "" if config.omits(EmulatorFeature.ECR_PULL_THROUGH_CACHE) else f", and the {len(mirrored_images())} platform images are cached"
    )
    print(f"preflight {config.name}: all {count} images are in ECR ({config.region}){cached}")
    return 0


def cannot_check(error: BotoCoreError | ClientError, region: str) -> str:
    """Why ECR could not be asked, in one line a user can act on (boto3's messages are one line; made sure)."""
    said = " ".join(str(error).split())
    if isinstance(error, NO_CREDENTIALS):
        return f"no usable AWS credentials to ask ECR in {region} ({said}): {CREDENTIALS_HINT}"
    if isinstance(error, EndpointUnreachable | HTTPClientError):
        return f"cannot reach ECR in {region} ({said}): check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL"
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in CREDENTIALS_REFUSED:
        return f"ECR in {region} refused the AWS credentials ({said}): {CREDENTIALS_HINT}"
    return f"ECR in {region} could not be asked: {said}"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
