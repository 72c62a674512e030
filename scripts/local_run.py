"""`make local`: deploy the platform onto an embedded AWS emulator, check it, re-plan, destroy.

Steps: start moto on 127.0.0.1 (a free port) -> synthesize the `local` environment ->
terraform init and apply the platform stack -> integration checks against what was created
-> `terraform plan -detailed-exitcode` must report no changes -> destroy -> nothing of ours
may remain -> stop the emulator (always, also when a step fails).

Exit status: 0 when every step passed, 1 when one failed, 2 for a missing tool.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app_support.stack_names import platform_stack_name
from config.loader import load_environment
from config.model import EnvironmentConfig
from scripts import terraform
from scripts.terraform import REPO_ROOT, STACKS_DIR, ToolMissing

ENVIRONMENT = "local"
VENV_BIN = Path(sys.executable).parent
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

    def summary(self) -> str:
        width = max(len(title) for title, _, _ in self.steps)
        lines = [f"  {title:<{width}}  {seconds:6.1f}s  {result}" for title, seconds, result in self.steps]
        return "\n".join(["", "Summary", *lines, f"  {'total':<{width}}  {sum(s for _, s, _ in self.steps):6.1f}s"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def emulator(log_path: Path) -> Iterator[str]:
    """moto's server on loopback, with AWS managed policies loaded; stopped on exit."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with log_path.open("w") as log:
        process = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the emulator did not start (see {log_path})") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def leftovers(endpoint: str, config: EnvironmentConfig) -> list[str]:
    """Resources of this platform still in the emulator (KMS keys pending deletion are gone, as on AWS)."""
    import boto3

    cluster_name = config.cluster_name
    session = boto3.session.Session(region_name=config.region, **_boto_credentials())

    def client(service: str):
        return session.client(service, endpoint_url=endpoint)

    found = [f"EKS cluster {name}" for name in client("eks").list_clusters()["clusters"]]
    found += [f"VPC {v['VpcId']}" for v in client("ec2").describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    found += [f"IAM role {r['RoleName']}" for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(f"{cluster_name}-")]
    found += [f"OIDC provider {p['Arn']}" for p in client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    found += [f"ECR repository {r['repositoryName']}" for r in client("ecr").describe_repositories()["repositories"]]
    found += [f"secret {s['Name']}" for s in client("secretsmanager").list_secrets()["SecretList"]]
    found += [f"log group {g['logGroupName']}" for g in client("logs").describe_log_groups()["logGroups"]]
    found += [f"S3 bucket {b['Name']}" for b in client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{cluster_name}-")]
    kms = client("kms")
    for key in kms.list_keys()["Keys"]:
        state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
        if state != "PendingDeletion":
            found.append(f"KMS key {key['KeyId']} ({state})")
    return found


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


def main() -> int:
    config = load_environment(ENVIRONMENT)
    stack_dir = STACKS_DIR / platform_stack_name(ENVIRONMENT)
    work_dir = REPO_ROOT / "terraform-state" / ENVIRONMENT
    report = Report()
    try:
        terraform.terraform_binary()
    except ToolMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mirror = terraform.plugin_dir()
    print(f"Terraform providers: {'local mirror ' + str(mirror) if mirror else 'downloaded from the registry (no local mirror found)'}")
    print("Left out on the emulator (it lacks these APIs; nothing is faked):")
    for feature, reason in config.emulator.omit.items() if config.emulator else []:
        print(f"  - {feature.value}: {reason}")

    work_dir.mkdir(parents=True, exist_ok=True)
    # The emulator starts empty every run, so any earlier local state is stale.
    for stale in work_dir.glob("platform.tfstate*"):
        stale.unlink()
    failed: str | None = None
    try:
        with contextlib.ExitStack() as running:
            with report.step("start the AWS emulator (moto)") as notes:
                endpoint = running.enter_context(emulator(work_dir / "moto.log"))
                notes.append(endpoint)
            run_steps(report, config, stack_dir, work_dir, endpoint)
    except subprocess.CalledProcessError as error:
        failed = _describe(error)
    except ToolMissing as error:
        failed = str(error)
    except Exception as error:
        failed = f"{type(error).__name__}: {error}"
    print("==> emulator stopped")
    print(report.summary())
    if failed:
        print(f"\nFAILED: {failed}", file=sys.stderr)
        return 1
    print("\nThe platform deployed, passed its checks, re-planned clean and was destroyed.")
    return 0


def run_steps(report: Report, config: EnvironmentConfig, stack_dir: Path, work_dir: Path, endpoint: str) -> None:
    env = {**EMULATOR_CREDENTIALS, "AWS_REGION": config.region, "TF_VAR_emulator_endpoint": endpoint}
    outputs_file = work_dir / "platform-outputs.json"
    with report.step("synthesize the local environment") as notes:
        result = subprocess.run([sys.executable, "tap.py", ENVIRONMENT], cwd=REPO_ROOT, text=True, capture_output=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip() or result.stdout.strip())
        notes.append(result.stdout.strip().splitlines()[-1])
    with report.step("terraform init"):
        terraform.init(stack_dir, extra_env=env)
    applied = False
    try:
        with report.step("terraform apply") as notes:
            terraform.run(stack_dir, "apply", "-auto-approve", "-input=false", "-no-color", extra_env=env)
            applied = True
            addresses = terraform.run(stack_dir, "state", "list", extra_env=env).stdout.split()
            notes.append(f"{sum(not a.startswith('data.') for a in addresses)} resources created")
            outputs_file.write_text(terraform.run(stack_dir, "output", "-json", extra_env=env).stdout)
        with report.step("integration checks (tests/integration)") as notes:
            checks = subprocess.run(
                [sys.executable, "-m", "pytest", "tests/integration", "-q", "-p", "no:cacheprovider", "--no-header"],
                cwd=REPO_ROOT,
                env={**os.environ, **env, "AWS_ENDPOINT_URL": endpoint, "TAP_OUTPUTS_FILE": str(outputs_file), "TAP_ENV": ENVIRONMENT},
                text=True,
                capture_output=True,
                check=False,
            )
            last = checks.stdout.strip().splitlines()[-1] if checks.stdout.strip() else "no output"
            if checks.returncode != 0:
                print(checks.stdout[-4000:])
                raise RuntimeError(f"integration checks failed: {last}")
            notes.append(last.strip("= "))
        with report.step("re-plan: nothing may change") as notes:
            plan = terraform.run(stack_dir, "plan", "-detailed-exitcode", "-input=false", "-no-color", extra_env=env, check=False)
            if plan.returncode == 2:
                print(plan.stdout[-6000:])
                raise RuntimeError("the plan after apply is not empty: a perpetual diff")
            if plan.returncode != 0:
                raise RuntimeError(plan.stderr.strip()[-2000:])
            notes.append("no changes")
    finally:
        if applied or (work_dir / "platform.tfstate").exists():
            with report.step("terraform destroy") as notes:
                terraform.run(stack_dir, "destroy", "-auto-approve", "-input=false", "-no-color", extra_env=env)
                remaining = leftovers(endpoint, config)
                if remaining:
                    raise RuntimeError(f"left behind after destroy: {', '.join(remaining)}")
                notes.append("nothing of ours left in the emulator")


def _describe(error: subprocess.CalledProcessError) -> str:
    detail = (error.stderr or error.stdout or "").strip().splitlines()
    return f"{' '.join(error.cmd)} exited {error.returncode}: {' '.join(detail[-12:])}"


if __name__ == "__main__":
    sys.exit(main())
