"""The AWS emulator `make local` deploys to, and the features it lacks."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import Field

from config.rules import Frozen


class EmulatorFeature(StrEnum):
    """Parts of the platform an AWS emulator may lack. The platform leaves out exactly these."""

    EKS_ADDONS = "eks_addons"
    EKS_ACCESS_API = "eks_access_api"
    EKS_CLUSTER_SECURITY_GROUP = "eks_cluster_security_group"


class EmulatorConfig(Frozen):
    """Points the AWS provider at an emulator; `endpoint` is a default the runner overrides."""

    endpoint: str = "http://127.0.0.1:5000"
    omit: Mapping[EmulatorFeature, str] = Field(default_factory=dict)
