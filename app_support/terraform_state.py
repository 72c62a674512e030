"""Where each layer keeps its Terraform state, and how the workloads layer reads the platform's.

Real environments use S3 with native lock files (Terraform 1.10+); `local` keeps state in
`terraform-state/` at the repository root. Both stacks derive the location from the same
configuration, so the workloads layer always reads the state the platform layer wrote.
"""

from __future__ import annotations

from cdktf import DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, LocalBackend, S3Backend, TerraformStack
from constructs import Construct

from config.model import LocalBackend as LocalBackendConfig
from config.model import S3Backend as S3BackendConfig

# Terraform runs in cdktf.out/stacks/<stack>; this climbs back to the repository root.
STACK_DIR_TO_REPO_ROOT = "../../.."


def s3_key(backend: S3BackendConfig, environment: str, layer: str) -> str:
    return f"{backend.key_prefix}/{environment}/{layer}.tfstate"


def local_path(backend: LocalBackendConfig, environment: str, layer: str) -> str:
    return f"{STACK_DIR_TO_REPO_ROOT}/{backend.directory}/{environment}/{layer}.tfstate"


def configure_backend(stack: TerraformStack, backend: S3BackendConfig | LocalBackendConfig, *, environment: str, layer: str) -> None:
    if isinstance(backend, S3BackendConfig):
        s3 = S3Backend(stack, bucket=backend.bucket, key=s3_key(backend, environment, layer), region=backend.region, encrypt=True)
        # cdktf 0.21 predates S3 native locking; the attribute is plain Terraform.
        s3.add_override("use_lockfile", True)
    else:
        LocalBackend(stack, path=local_path(backend, environment, layer))


def platform_state(scope: Construct, id_: str, backend: S3BackendConfig | LocalBackendConfig, *, environment: str):
    """The platform layer's state, read-only, for its outputs."""
    if isinstance(backend, S3BackendConfig):
        return DataTerraformRemoteStateS3(
            scope, id_, bucket=backend.bucket, key=s3_key(backend, environment, "platform"), region=backend.region
        )
    return DataTerraformRemoteStateLocal(scope, id_, path=local_path(backend, environment, "platform"))
