"""The alarm notification rules: who may be subscribed, and that a protected environment pages someone."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from pydantic import ValidationError

from config.loader import load_environment
from config.model import EnvironmentConfig
from config.observability import AlarmConfig, Subscription


@functools.cache
def prod() -> EnvironmentConfig:
    return load_environment("prod")


def prod_with_alarms(**alarms: Any) -> EnvironmentConfig:
    raw = prod().model_dump()
    raw["alarms"] = alarms
    return EnvironmentConfig.model_validate(raw)


@pytest.mark.parametrize(
    "alarms",
    [{}, {"create_topic": True}, {"create_topic": False, "topic_arns": []}],
    ids=["nothing", "a-topic-without-subscribers", "no-topics"],
)
def test_a_protected_environment_refuses_alarms_that_reach_nobody(alarms: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="alarms: a protected environment's alarms must reach someone"):
        prod_with_alarms(**alarms)


@pytest.mark.parametrize(
    "alarms",
    [
        {"topic_arns": ["arn:aws:sns:us-east-1:210987654321:payments"]},
        {"create_topic": True, "subscriptions": {"oncall": {"protocol": "sqs", "endpoint": "arn:aws:sqs:us-east-1:210987654321:pages"}}},
    ],
)
def test_a_given_topic_or_a_subscribed_created_topic_is_a_target(alarms: dict[str, Any]) -> None:
    assert prod_with_alarms(**alarms).alarms.notifies


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        ("email", "oncall@payments.test"),
        ("email-json", "a.b+c@x-y.payments.test"),
        ("https", "https://events.pager.test/integration/abc/enqueue?x=1"),
        ("sms", "+14155550100"),
        ("sqs", "arn:aws:sqs:eu-west-1:210987654321:pages.fifo"),
        ("lambda", "arn:aws:lambda:us-east-1:210987654321:function:page-me:live"),
    ],
)
def test_each_protocol_takes_its_kind_of_endpoint(protocol: str, endpoint: str) -> None:
    assert Subscription(protocol=protocol, endpoint=endpoint).endpoint == endpoint


@pytest.mark.parametrize(
    ("protocol", "endpoint", "message"),
    [
        ("email", "oncall", "must be an email address"),
        ("email", "oncall@payments.test\n", "must be an email address"),
        ("https", "http://events.pager.test/", "must be an https:// URL"),
        ("https", "https://events.pager.test/${var.x}", "must be an https:// URL"),
        ("https", 'https://events.pager.test/"quoted"', "must be an https:// URL"),
        ("sms", "4155550100", "E.164"),
        ("sqs", "arn:aws:sns:us-east-1:210987654321:pages", "an SQS queue ARN"),
        ("lambda", "my-function", "a Lambda function ARN"),
        ("firehose", "arn:aws:firehose:us-east-1:210987654321:deliverystream/x", "is not one of email, email-json"),
        ("application", "arn:aws:sns:us-east-1:210987654321:endpoint/APNS/x/y", "is not one of"),
    ],
)
def test_an_endpoint_of_the_wrong_kind_is_refused(protocol: str, endpoint: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Subscription(protocol=protocol, endpoint=endpoint)


def test_subscriptions_need_the_created_topic_and_the_topics_fit_five_actions() -> None:
    email = {"protocol": "email", "endpoint": "oncall@payments.test"}
    with pytest.raises(ValidationError, match="subscriptions: set create_topic: true"):
        AlarmConfig.model_validate({"subscriptions": {"oncall": email}})
    five = [f"arn:aws:sns:us-east-1:210987654321:t{i}" for i in range(5)]
    assert len(AlarmConfig.model_validate({"topic_arns": five}).topic_arns) == 5
    with pytest.raises(ValidationError, match="at most 5 topics with the created one"):
        AlarmConfig.model_validate({"topic_arns": five, "create_topic": True})
    with pytest.raises(ValidationError, match="must be a DNS label"):
        AlarmConfig.model_validate({"create_topic": True, "subscriptions": {"On_Call": email}})
