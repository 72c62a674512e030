"""What `make local` prints about its steps, and what it checks is gone after the destroy."""

from __future__ import annotations

import contextlib
import errno
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from config.model import EnvironmentConfig

EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}


@dataclass
class Report:
    steps: list[tuple[str, float, str]] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[list[str]]:
        print(f"==> {title}", flush=True)
        notes: list[str] = []
        started = time.perf_counter()
        try:
            yield notes
        except BaseException:
            self.steps.append((title, time.perf_counter() - started, "FAILED"))
            raise
        elapsed = time.perf_counter() - started
        self.steps.append((title, elapsed, "; ".join(notes) or "ok"))
        print(f"    done in {elapsed:.1f}s{': ' + '; '.join(notes) if notes else ''}", flush=True)

    def summary(self, total: float) -> str:
        if not self.steps:
            return ""
        width = max(len(title) for title, _, _ in self.steps)
        lines = [f"  {title:<{width}}  {seconds:6.1f}s  {result}" for title, seconds, result in self.steps]
        total_line = f"  {'total (wall clock)':<{width}}  {total:6.1f}s"
        return "\n".join(["", "Summary (steps joined by | ran side by side)", *lines, total_line])


def describe_os_error(error: OSError) -> str:
    """A file-system error as one line a user can act on."""
    where = error.filename or ""
    if error.errno == errno.ENOSPC:
        return f"no space left on device: {where}".rstrip(": ")
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied: {where}".rstrip(": ")
    if error.errno == errno.EROFS:
        return f"read-only file system: {where}".rstrip(": ")
    return f"{error.strerror or error}: {where}".rstrip(": ")


def leftovers(endpoint: str, config: EnvironmentConfig) -> list[str]:
    """Resources of this platform still in the emulator (KMS keys pending deletion are gone, as on AWS)."""
    import boto3

    cluster_name = config.cluster_name
    session = boto3.session.Session(
        region_name=config.region,
        aws_access_key_id=EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )

    def client(service: str):
        return session.client(service, endpoint_url=endpoint)

    found = [f"EKS cluster {name}" for name in client("eks").list_clusters()["clusters"]]
    found += [f"VPC {v['VpcId']}" for v in client("ec2").describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    found += [f"IAM role {r['RoleName']}" for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(f"{cluster_name}-")]
    found += [f"OIDC provider {p['Arn']}" for p in client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    found += [f"ECR repository {r['repositoryName']}" for r in client("ecr").describe_repositories()["repositories"]]
    found += [f"secret {s['Name']}" for s in client("secretsmanager").list_secrets()["SecretList"]]
    found += [f"log group {g['logGroupName']}" for g in client("logs").describe_log_groups()["logGroups"]]
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{cluster_name}-")["MetricAlarms"]
    found += [f"alarm {a['AlarmName']}" for a in alarms]
    found += [f"S3 bucket {b['Name']}" for b in client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{cluster_name}-")]
    kms = client("kms")
    for key in kms.list_keys()["Keys"]:
        state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        if state != "PendingDeletion":
            found.append(f"KMS key {key['KeyId']} ({state})")
    return found
