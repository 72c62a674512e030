"""Where Terraform keeps each layer's state."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from config.rules import Frozen, aws_region, relative_key, s3_bucket_name


class S3Backend(Frozen):
    """State key `<key_prefix>/<env>/<layer>.tfstate`: the prefix cannot climb out with '..' or be absolute."""

    kind: Literal["s3"]
    bucket: str
    region: str
    key_prefix: str = "eks-platform"

    _bucket = field_validator("bucket")(lambda v: s3_bucket_name(v))
    _region = field_validator("region")(lambda v: aws_region(v))
    _key_prefix = field_validator("key_prefix")(lambda v: relative_key(v, what="state key prefix"))


class LocalBackend(Frozen):
    """State in `<directory>/<env>/`, relative to the repository: no absolute path, no '..'."""

    kind: Literal["local"]
    directory: str = "terraform-state"

    _directory = field_validator("directory")(lambda v: relative_key(v, what="state directory"))
