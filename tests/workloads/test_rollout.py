"""The rollout plan behind each release's Helm timeout (workloads/rollout.py)."""

from __future__ import annotations

import pytest

from workloads.rollout import FIRST_INSTALL_SECONDS, rollout_plan


@pytest.mark.parametrize(
    ("max_replicas", "percent", "surge", "waves"),
    [(12, 25, 3, 4), (3, 25, 1, 3), (1, 25, 1, 1), (10, 30, 3, 4), (100, 100, 100, 1), (7, 50, 4, 2)],
)
def test_surge_rounds_up_and_waves_cover_every_replica(max_replicas: int, percent: int, surge: int, waves: int) -> None:
    plan = rollout_plan({"autoscaling": {"maxReplicas": max_replicas}, "rollout": {"maxSurgePercent": percent, "podStartSeconds": 100}})
    assert (plan.surge_pods, plan.waves) == (surge, waves)
    assert plan.timeout_seconds == waves * 100 + FIRST_INSTALL_SECONDS


@pytest.mark.parametrize("bad", ["12", True, 12.0, 0, 101, None, [12]])
def test_a_value_the_schema_refuses_falls_back_to_the_chart_default(bad: object) -> None:
    """The values check refuses it with its file and field; the plan must not fail first, or differently."""
    assert rollout_plan({"autoscaling": {"maxReplicas": bad}}) == rollout_plan({})
    assert rollout_plan({"rollout": "fast"}) == rollout_plan({})
