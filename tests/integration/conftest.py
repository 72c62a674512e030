"""Integration fixtures: a deployed platform's outputs, and optionally a cluster's kubeconfig.

TAP_OUTPUTS_FILE  `terraform output -json` of the platform stack (required; else skipped)
TAP_ENV           the environment it was deployed from (default: local)
AWS_ENDPOINT_URL  set for an emulator; unset for real AWS (boto3 reads it itself)
KUBECONFIG        a kubeconfig for the cluster (cluster checks only; else skipped)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_environment
from config.model import EnvironmentConfig


@pytest.fixture(scope="session")
def outputs() -> dict[str, Any]:
    path = os.environ.get("TAP_OUTPUTS_FILE")
    if not path or not Path(path).is_file():
        pytest.skip("no deployed platform: set TAP_OUTPUTS_FILE to `terraform output -json` of the platform stack (make local does)")
    return {name: entry["value"] for name, entry in json.loads(Path(path).read_text()).items()}


@pytest.fixture(scope="session")
def deployed_config() -> EnvironmentConfig:
    return load_environment(os.environ.get("TAP_ENV", "local"))


@pytest.fixture(scope="session")
def aws(outputs: dict[str, Any]):
    import boto3

    session = boto3.session.Session(region_name=outputs["region"])
    return session.client
