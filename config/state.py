"""Where Terraform keeps each layer's state."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from config.rules import Frozen, aws_region, relative_key, s3_bucket_name

# The one folder of the repository local state may live in (.gitignore lists it; nothing else is there).
LOCAL_STATE_ROOT = "terraform-state"


class S3Backend(Frozen):
    """State key `<key_prefix>/<env>/<layer>.tfstate`: the prefix cannot climb out with '..' or be absolute."""

    kind: Literal["s3"]
    bucket: str
    region: str
    key_prefix: str = "eks-platform"

    _bucket = field_validator("bucket")(lambda v: s3_bucket_name(v))
    _region = field_validator("region")(lambda v: aws_region(v))
    _key_prefix = field_validator("key_prefix")(lambda v: relative_key(v, what="state key prefix"))

    def location(self, environment: str) -> tuple[str, str]:
        """(where, key prefix) of this environment's state, for comparing environments: `('s3://b', 'eks-platform/dev/')`."""
        return (f"s3://{self.bucket}", f"{self.key_prefix}/{environment}/")


class LocalBackend(Frozen):
    """State in `<directory>/<env>/`, relative to the repository: no absolute path, no '..'."""

    kind: Literal["local"]
    directory: str = "terraform-state"

    @field_validator("directory")
    @classmethod
    def _directory(cls, value: str) -> str:
        """Below `terraform-state/` (ignored by git): in any other folder the state (secrets included) would be read,
        packaged or deleted with it (charts/ are uploaded, `make clean` removes cdktf.out/, services/ are read as services)."""
        relative_key(value, what="state directory")
        if value.split("/")[0] != LOCAL_STATE_ROOT:
            raise ValueError(
                f"{value!r} must be {LOCAL_STATE_ROOT} or a folder below it: the state holds secrets, and every other folder of the "
                "repository is read, packaged, committed or cleaned"
            )
        return value

    def location(self, environment: str) -> tuple[str, str]:
        """(where, key prefix) of this environment's state, for comparing environments: `('local', 'terraform-state/dev/')`."""
        return ("local", f"{self.directory}/{environment}/")
