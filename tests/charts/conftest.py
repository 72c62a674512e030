"""Every service's release rendered for every environment, once per session."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from config.model import EnvironmentConfig
from workloads.service_chart import check_service_values


@pytest.fixture(scope="session")
def rendered(configs: dict[str, EnvironmentConfig]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(environment, service) -> the manifests of that release, parsed."""
    result = {}
    for env, config in configs.items():
        for name, service in config.services.items():
            files = check_service_values(
                service, environment=env, region=config.region, repository=f"{config.repository_prefix}/{service.repository}"
            )
            result[(env, name)] = [doc for text in files.values() for doc in yaml.safe_load_all(text) if doc]
    return result
