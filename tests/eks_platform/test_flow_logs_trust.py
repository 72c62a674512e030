"""docs/security.md: "flow-logs role trusted only with aws:SourceAccount and aws:SourceArn". The VPC
user guide's confused-deputy guard for the flow-logs service role: the service may assume it only
for this account's flow logs (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html)."""

from __future__ import annotations

from tests.conftest import Synthesized

ACCOUNT = "${data.aws_caller_identity.caller.account_id}"


def test_the_flow_logs_role_is_trusted_only_for_this_accounts_flow_logs(env: Synthesized) -> None:
    roles = env.resources("platform", "aws_iam_role")
    (role,) = [r for r in roles.values() if r["name"].endswith("-vpc-flow-logs")]
    document = role["assume_role_policy"].removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    (statement,) = env.data("platform", "aws_iam_policy_document")[document]["statement"]
    assert statement["principals"] == [{"identifiers": ["vpc-flow-logs.amazonaws.com"], "type": "Service"}]
    assert statement["actions"] == ["sts:AssumeRole"] and statement.get("effect", "Allow") == "Allow"
    conditions = {c["variable"]: (c["test"], c["values"]) for c in statement["condition"]}
    assert conditions["aws:SourceAccount"] == ("StringEquals", [ACCOUNT])
    test, (arn,) = conditions["aws:SourceArn"]
    assert test == "ArnLike" and arn.endswith(f":ec2:{env.config.region}:{ACCOUNT}:vpc-flow-log/*")
