"""IAM policies as `aws_iam_policy_document` data sources.

A document built here is readable in the synthesized JSON as structured statements, so
policy scanners (checkov) evaluate it; a policy written as a JSON string would be skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct


@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: Sequence[str]


@dataclass(frozen=True)
class Statement:
    actions: Sequence[str]
    resources: Sequence[str] = ()
    conditions: Sequence[Condition] = ()
    principals: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sid: str | None = None
    effect: str = "Allow"


def policy_document(scope: Construct, id_: str, statements: Iterable[Statement]) -> DataAwsIamPolicyDocument:
    return DataAwsIamPolicyDocument(
        scope,
        id_,
        statement=[
            DataAwsIamPolicyDocumentStatement(
                sid=statement.sid,
                effect=statement.effect,
                actions=list(statement.actions),
                resources=list(statement.resources) or None,
                principals=[
                    DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=list(ids))
                    for kind, ids in statement.principals.items()
                ]
                or None,
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(test=c.test, variable=c.variable, values=list(c.values))
                    for c in statement.conditions
                ]
                or None,
            )
            for statement in statements
        ],
    )


def statements_from_json(document: Mapping[str, object]) -> list[Statement]:
    """Statements of a published JSON policy (Allow only), for `policy_document`."""
    statements = []
    for raw in document["Statement"]:  # type: ignore[union-attr]
        if raw.get("Effect") != "Allow":
            raise ValueError(f"only Allow statements are supported, got {raw.get('Effect')!r}")
        actions = raw["Action"] if isinstance(raw["Action"], list) else [raw["Action"]]
        resources = raw["Resource"] if isinstance(raw["Resource"], list) else [raw["Resource"]]
        conditions = [
            Condition(test, variable, values if isinstance(values, list) else [values])
            for test, by_variable in raw.get("Condition", {}).items()
            for variable, values in by_variable.items()
        ]
        statements.append(Statement(actions=actions, resources=resources, conditions=conditions))
    return statements
