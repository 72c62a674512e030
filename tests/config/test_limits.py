"""The limits config/limits.py checks at synth: its policy size bound holds for the statements eks_platform builds,
and each security group count refuses one past AWS's quota (tests/bad_inputs has the files and messages)."""

from __future__ import annotations

import json

from config.limits import inline_policy_characters
from config.model import Permissions
from config.quotas import IAM_ROLE_INLINE_POLICY_CHARACTERS


def iam_json(statements: list) -> str:
    """The policy as IAM stores it, without whitespace (IAM does not count whitespace against the quota)."""
    rendered = []
    for statement in statements:
        item: dict = {"Sid": statement.sid, "Effect": statement.effect, "Action": list(statement.actions)}
        item["Resource"] = list(statement.resources)
        if statement.conditions:
            item["Condition"] = {c.test: {c.variable: list(c.values)} for c in statement.conditions}
        rendered.append(item)
    return json.dumps({"Version": "2012-10-17", "Statement": rendered}, separators=(",", ":"))


def test_the_policy_size_bound_is_never_below_the_policy_eks_platform_builds() -> None:
    from eks_platform.context import AwsContext
    from eks_platform.service_policies import service_statements

    names = tuple(f"resource-number-{index}" for index in range(12))
    permissions = Permissions(
        dynamodb_tables=names,
        sqs_queues=names,
        sns_topics=names,
        sagemaker_endpoints=names,
        athena_workgroups=names,
        glue_databases=names,
        s3_prefixes=tuple(f"{name}/" for name in names),
    )
    region, suffix, bucket = "us-gov-west-1", "stg", "a-data-bucket-with-a-long-name"
    aws = AwsContext(partition="aws-us-gov", account_id="123456789012", region=region, caller_arn="arn:aws-us-gov:iam::123456789012:root")
    secret = f"arn:aws-us-gov:secretsmanager:{region}:123456789012:secret:tap-{suffix}/ledger-AbCdEf"
    key = f"arn:aws-us-gov:kms:{region}:123456789012:key/00000000-0000-0000-0000-000000000000"
    actual = len(iam_json(service_statements(permissions, aws=aws, suffix=suffix, data_bucket=bucket, secret_arn=secret, data_key_arn=key)))
    bound = inline_policy_characters(permissions, region=region, suffix=suffix, data_bucket=bucket)
    assert actual <= bound
    assert bound < actual * 1.5, "a bound this loose would refuse policies IAM accepts"
    assert bound > IAM_ROLE_INLINE_POLICY_CHARACTERS.limit  # this many resources is refused
