"""The AWS emulator `make local` deploys to, and the features it lacks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import Field, field_validator

from config.rules import Frozen


class EmulatorFeature(StrEnum):
    """Parts of the platform an AWS emulator may lack. The platform leaves out exactly these."""

    EKS_ADDONS = "eks_addons"
    EKS_ACCESS_API = "eks_access_api"
    EKS_CLUSTER_SECURITY_GROUP = "eks_cluster_security_group"
    CLOUDWATCH_TELEMETRY_TAGS = "cloudwatch_telemetry_tags"
    REFERENCED_RULE_DESCRIPTIONS = "referenced_rule_descriptions"
    ECR_PULL_THROUGH_CACHE = "ecr_pull_through_cache"
    CODEBUILD_PROJECT = "codebuild_project"
    VPC_ENDPOINT_SERVICE_ZONES = "vpc_endpoint_service_zones"


class EmulatorConfig(Frozen):
    """Points the AWS provider at an emulator; `endpoint` is a default the runner overrides."""

    endpoint: str = "http://127.0.0.1:5000"
    omit: Mapping[EmulatorFeature, str] = Field(default_factory=dict)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?", value):
            raise ValueError(f"{value!r} must be an http(s) URL of a host and optional port, like 'http://127.0.0.1:5000'")
        return value
