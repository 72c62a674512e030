"""Where Terraform keeps each layer's state."""

from __future__ import annotations

from typing import Literal

from config.rules import Frozen


class S3Backend(Frozen):
    kind: Literal["s3"]
    bucket: str
    region: str
    key_prefix: str = "eks-platform"


class LocalBackend(Frozen):
    kind: Literal["local"]
    directory: str = "terraform-state"
