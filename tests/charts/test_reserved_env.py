"""A service's values may not set an environment variable that takes its AWS identity away: the pod identity
webhook's own (it then injects no IRSA credentials) or static keys (every SDK reads them before the web identity
token). The names come from those sources, recorded in workloads/data/reserved_env_facts.json."""

from __future__ import annotations

import json

import helm_python as helm
import pytest

from tests.conftest import REPO_ROOT

FACTS = json.loads((REPO_ROOT / "workloads" / "data" / "reserved_env_facts.json").read_text())
NAMES = sorted({name for fact in FACTS.values() if isinstance(fact, dict) for name in fact["names"]})


@pytest.mark.parametrize("name", NAMES)
def test_the_chart_refuses_each_reserved_name(configs, name: str) -> None:
    from workloads.service_chart import release_values, render

    values = release_values(configs["dev"].services["payment"], "example.com/tap/payment")
    with pytest.raises(helm.HelmError, match=rf"invalid propertyName '{name}'"):
        render({**values, "env": {name: "x"}}, release="payment", namespace="payment")


def test_other_names_pass(configs) -> None:
    from workloads.service_chart import release_values, render

    values = release_values(configs["dev"].services["payment"], "example.com/tap/payment")
    render({**values, "env": {"AWS_SDK_LOAD_CONFIG": "1", "LOG_LEVEL": "info"}}, release="payment", namespace="payment")
