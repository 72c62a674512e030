"""Least-privilege statements from a service's declared permissions.

A service names the resources it uses (service.yaml, `permissions`); each kind of resource
maps to the actions it needs, scoped to that resource's ARN. Resource names get the
environment suffix, so dev's payment service cannot reach prod's table.
"""

from __future__ import annotations

from config.model import Permissions
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement


def service_statements(
    permissions: Permissions, *, aws: AwsContext, suffix: str, data_bucket: str, secret_arn: str, data_key_arn: str
) -> list[Statement]:
    def named(name: str) -> str:
        return f"{name}-{suffix}"

    statements = [
        Statement(sid="ReadOwnSecret", actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources=[secret_arn]),
        Statement(
            sid="DecryptOwnSecret",
            actions=["kms:Decrypt"],
            resources=[data_key_arn],
            # Through Secrets Manager, and only for this service's own secret: the key is shared, and
            # Secrets Manager puts the secret's ARN in the encryption context of every KMS call
            # (Secrets Manager User Guide, security-encryption.html, "encryption context").
            conditions=[
                Condition("StringEquals", "kms:ViaService", [f"secretsmanager.{aws.region}.amazonaws.com"]),
                Condition("StringEquals", "kms:EncryptionContext:SecretARN", [secret_arn]),
            ],
        ),
    ]
    if permissions.dynamodb_tables:
        tables = [aws.arn("dynamodb", f"table/{named(t)}") for t in permissions.dynamodb_tables]
        statements.append(
            Statement(
                sid="UseOwnTables",
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:BatchGetItem",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:ConditionCheckItem",
                    "dynamodb:DescribeTable",
                ],
                resources=tables + [f"{table}/index/*" for table in tables],
            )
        )
    if permissions.sqs_queues:
        statements.append(
            Statement(
                sid="UseOwnQueues",
                actions=[
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                ],
                resources=[aws.arn("sqs", named(q)) for q in permissions.sqs_queues],
            )
        )
    if permissions.sns_topics:
        statements.append(
            Statement(sid="PublishOwnTopics", actions=["sns:Publish"], resources=[aws.arn("sns", named(t)) for t in permissions.sns_topics])
        )
    if permissions.s3_prefixes:
        bucket = f"arn:{aws.partition}:s3:::{data_bucket}"
        statements += [
            Statement(
                sid="ListOwnPrefixes",
                actions=["s3:ListBucket"],
                resources=[bucket],
                conditions=[Condition("StringLike", "s3:prefix", [f"{p}*" for p in permissions.s3_prefixes])],
            ),
            Statement(
                sid="UseOwnObjects",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[f"{bucket}/{p}*" for p in permissions.s3_prefixes],
            ),
        ]
    if permissions.sagemaker_endpoints:
        statements.append(
            Statement(
                sid="InvokeOwnEndpoints",
                actions=["sagemaker:InvokeEndpoint"],
                resources=[aws.arn("sagemaker", f"endpoint/{named(e)}") for e in permissions.sagemaker_endpoints],
            )
        )
    if permissions.athena_workgroups:
        statements.append(
            Statement(
                sid="QueryInOwnWorkgroups",
                actions=[
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:StopQueryExecution",
                    "athena:GetWorkGroup",
                ],
                resources=[aws.arn("athena", f"workgroup/{named(w)}") for w in permissions.athena_workgroups],
            )
        )
    if permissions.glue_databases:
        databases = [named(d) for d in permissions.glue_databases]
        statements.append(
            Statement(
                sid="ReadOwnCatalog",
                actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"],
                resources=[aws.arn("glue", "catalog")]
                + [aws.arn("glue", f"database/{d}") for d in databases]
                + [aws.arn("glue", f"table/{d}/*") for d in databases],
            )
        )
    return statements
