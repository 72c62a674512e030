"""Whom the alarms reach, in every shipped environment (docs/operations.md, "Alarms that reach a person").

The claim: an environment whose `alarms` names a target (a given topic, or the created topic with a
subscriber) sends every alarm, on ALARM and on OK, to a topic that delivers somewhere; one that
names none (dev as shipped, not protected) has alarms that notify nobody, and says so; a protected
environment cannot be that one. These check the synthesized JSON against the environment files
read as YAML, not against the typed configuration the stack was built from.
"""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import ENVIRONMENTS, REPO_ROOT, Synthesized

CREATED_TOPIC = "${aws_sns_topic.alarm_topic_topic.arn}"


def environment_file(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / "config" / "environments" / f"{name}.yaml").read_text())


def names_a_target(raw: dict) -> bool:
    alarms = raw.get("alarms") or {}
    return bool(alarms.get("topic_arns")) or (alarms.get("create_topic") is True and bool(alarms.get("subscriptions")))


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_every_alarm_reaches_a_delivering_topic_wherever_the_environment_names_one(name: str, synthesized: dict[str, Synthesized]) -> None:
    env = synthesized[name]
    raw = environment_file(name)
    alarms = env.resources("platform", "aws_cloudwatch_metric_alarm")
    assert alarms, "every environment has alarms"
    subscribed = {s["topic_arn"] for s in env.resources("platform", "aws_sns_topic_subscription").values()}
    given = set((raw.get("alarms") or {}).get("topic_arns") or [])
    for logical, alarm in alarms.items():
        assert alarm["alarm_actions"] == alarm["ok_actions"], logical
        if not names_a_target(raw):
            assert alarm["alarm_actions"] == [], f"{name}: {logical} notifies a target its environment file does not name"
            continue
        assert alarm["alarm_actions"], f"{name}: {logical} notifies nobody"
        for action in alarm["alarm_actions"]:
            assert action in given or (action == CREATED_TOPIC and action in subscribed), (name, logical, action)


def test_only_an_unprotected_environment_may_page_nobody() -> None:
    """The shipped files as docs/operations.md describes them: dev pages nobody, every other one pages."""
    silent = {name for name in ENVIRONMENTS if not names_a_target(environment_file(name))}
    assert not {name for name in silent if environment_file(name).get("protected") is True}
    assert silent == {"dev"}
