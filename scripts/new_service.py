"""`make new-service NAME=<name>`: a new service folder that synthesizes as is.

Writes services/<name>/service.yaml and values.yaml with the chart's required values set and
every line explained (docs/service-teams.md has the full tour). Before anything is written the
new folder is loaded with every environment, beside the existing services, in a scratch copy:
the same validation the synth applies (names, reserved names, cross-service claims), then the
chart is rendered with the Helm engine for each environment. A refusal is one line, exit 2.

    python -m scripts.new_service NAME
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from app_support import console
from config.loader import BASE_VALUES_FILE, SERVICE_FILE, SERVICES_DIR, ConfigError, environment_names, load_environment
from config.rules import HELM_RELEASE_NAME_MAX, dns_label

SERVICE_TEMPLATE = """\
# What the platform provisions for {name}. Its Helm values are in values.yaml beside this file
# (values-<environment>.yaml, optional, overrides them for one environment).
# Reference: docs/service-teams.md.
namespace: {name}            # the Kubernetes namespace of its pods (and its Fargate profile)
service_account: {name}      # the pods' service account; its IRSA role gets the permissions below
repository: {name}           # the ECR repository the image is pushed to (<prefix>/{name})
# Other services whose pods this one may connect to, by name; every other connection is refused.
reaches: []
# AWS resources it uses, by name: each becomes a least-privilege statement in its IAM role.
permissions: {{}}
#   dynamodb_tables: [{name}-items]
#   sqs_queues: [{name}-events]
#   sns_topics: [{name}-notifications]
#   s3_prefixes: [{name}/]          # in the environment's data bucket; ends with '/'
"""

VALUES_TEMPLATE = """\
# Helm values for {name}, shared by every environment; values-<environment>.yaml overrides them.
# The chart is charts/service (its defaults: values.yaml; its rules: values.schema.json).
# The platform sets image.repository, serviceAccount.name and nameOverride: never set them here.
image:
  tag: "0.1.0"               # the release tag pushed to ECR; 'latest' is refused (tags are immutable)
containerPort: 8080          # the port the container listens on
probes:
  readinessPath: /healthz/ready   # HTTP GET on containerPort; traffic only once it answers 2xx
  livenessPath: /healthz/live     # the pod restarts when it stops answering
resources:                   # Fargate sizes the pod from the requests
  requests:
    cpu: 250m
    memory: 512Mi
  limits:
    memory: 512Mi            # equal to the request: no memory overcommit on Fargate
autoscaling:
  minReplicas: 2             # two at least, spread over zones
  maxReplicas: 4
  targetCPUUtilizationPercentage: 70
podDisruptionBudget:
  minAvailable: 1
ingress:
  enabled: false             # true: reachable through the environment's shared load balancer
  scheme: internal           # or internet-facing (then certificateArn and wafAclArn are required)
  path: /{name}
"""


class Refused(Exception):
    """The name cannot become a service; the message is the one line the user sees."""


def check_name(name: str, services_dir: Path) -> None:
    """The rules a service name must meet before anything is staged: a DNS label short enough for a
    Helm release name, and not a folder already there."""
    try:
        dns_label(name, max_length=HELM_RELEASE_NAME_MAX)
    except ValueError as error:
        raise Refused(f"NAME: {error}") from None
    target = services_dir / name
    if target.exists() or target.is_symlink():
        raise Refused(f"{target.relative_to(services_dir.parent)}: already exists; choose another name (nothing written)")


def new_service_files(name: str) -> dict[str, str]:
    return {SERVICE_FILE: SERVICE_TEMPLATE.format(name=name), BASE_VALUES_FILE: VALUES_TEMPLATE.format(name=name)}


def check_in_scratch_copy(name: str, services_dir: Path) -> None:
    """Every environment loads with the new service beside the existing ones, and its chart renders."""
    from workloads.service_chart import check_configured_service  # the Helm engine: only once the name is valid

    with tempfile.TemporaryDirectory(prefix="new-service-") as scratch:
        copy = Path(scratch) / "services"
        shutil.copytree(services_dir, copy, symlinks=True)
        (copy / name).mkdir()
        for file, text in new_service_files(name).items():
            (copy / name / file).write_text(text)
        for environment in environment_names():
            try:
                check_configured_service(load_environment(environment, services_dir=copy), name, copy)
            except ConfigError as error:
                raise Refused(f"{name}: would not synthesize in {environment}: {str(error).replace(scratch + '/', '')}") from None


def create(name: str, services_dir: Path = SERVICES_DIR) -> Path:
    """Checks, then writes the folder in one rename (a hidden staging folder the loader skips)."""
    check_name(name, services_dir)
    check_in_scratch_copy(name, services_dir)
    target = services_dir / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=services_dir))
    try:
        for file, text in new_service_files(name).items():
            (staging / file).write_text(text)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        console.error("usage: make new-service NAME=<name> (lower-case letters, digits and '-')")
        return 2
    try:
        target = create(argv[1])
    except Refused as error:
        console.error(str(error))
        return 2
    shown = target.relative_to(SERVICES_DIR.parent)
    console.info(f"created {shown}/{SERVICE_FILE} and {shown}/{BASE_VALUES_FILE}; check it: make check-service NAME={argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
