"""The bucket the controller's ALBs write their access logs to (PCI DSS 10.2: who reached what).

ALB access logs support only SSE-S3 (AES-256, Amazon S3-managed keys): Elastic Load Balancing
cannot write to a bucket whose default encryption is SSE-KMS. The bucket is therefore
encrypted with SSE-S3, private, versioned, owner-enforced, TLS-only, and expires logs after
the environment's log retention; a replaced or deleted log's old version is kept as long
(PCI DSS 10.5.1), so tampering leaves the original behind. Elastic Load Balancing is allowed to
write under the cluster's prefix only: the regional ELB account (regions before August 2022)
and the log delivery service principal (newer regions).

Who read, replaced or deleted a log is recorded by S3 server access logging in a second bucket
(`<bucket>-access`, PCI DSS 10.2.1), writable only by the S3 logging service for this bucket.
That bucket cannot have Object Lock (S3 refuses locked buckets as server access log targets)
and does not log its own access (it would write into itself).

In a protected environment `access_logs.object_lock_days` puts S3 Object Lock (governance mode)
on every log: nobody without s3:BypassGovernanceRetention can delete or overwrite a version
before it ends. It is turned on with aws_s3_bucket_object_lock_configuration, not the bucket's
`object_lock_enabled`, which forces a new bucket: replacing an existing bucket of audit logs
would fail (it is not empty) or lose them. Object Lock cannot be turned off again
(docs/security.md, "Access logs").
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_object_lock_configuration import (
    S3BucketObjectLockConfigurationA,
    S3BucketObjectLockConfigurationRuleA,
    S3BucketObjectLockConfigurationRuleDefaultRetentionA,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls, S3BucketOwnershipControlsRule
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA, S3BucketVersioningVersioningConfiguration
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement, policy_document
from eks_platform.protection import keep

SSE_S3_ONLY = (
    "ALB access logs support only SSE-S3 (Amazon S3-managed keys): Elastic Load Balancing cannot write to an SSE-KMS bucket; "
    "the bucket is encrypted with SSE-S3 (AES-256)"
)


ACCESS_LOG_PREFIX = "s3-access/"
ACCESS_LOGS_IN_REGION = (
    "access logs are kept in the region of the load balancers; a copy elsewhere is the operator's "
    "disaster-recovery decision, not a control this bucket can meet alone"
)
NO_CONSUMER = "nothing consumes log object events; logs are read by query (Athena) when needed"


class LoadBalancerLogs(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        aws: AwsContext,
        cluster_name: str,
        retention_days: int,
        protected: bool,
        object_lock_days: int | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.prefix = cluster_name
        name = f"{cluster_name}-alb-logs-{aws.account_id}"
        self.access_bucket, _ = self._private_bucket("access_bucket", f"{name}-access", retention_days, protected)
        skip_checks(
            self.access_bucket,
            {
                "CKV_AWS_145": "S3 server access logs support only SSE-S3 on their target bucket; it is encrypted with SSE-S3 (AES-256)",
                "CKV_AWS_18": "this bucket is the server access log target of the access-log bucket; logging its own access would "
                "write into itself",
                "CKV_AWS_144": ACCESS_LOGS_IN_REGION,
                "CKV2_AWS_62": NO_CONSUMER,
            },
        )
        self.bucket, versioning = self._private_bucket("bucket", name, retention_days, protected)
        skip_checks(
            self.bucket,
            {"CKV_AWS_145": SSE_S3_ONLY, "CKV_AWS_144": ACCESS_LOGS_IN_REGION, "CKV2_AWS_62": NO_CONSUMER},
        )
        access_policy = policy_document(
            self,
            "access_policy_document",
            [
                Statement(
                    sid="S3ServerAccessLogsOfTheLogBucket",
                    actions=["s3:PutObject"],
                    resources=[f"{self.access_bucket.arn}/{ACCESS_LOG_PREFIX}*"],
                    principals={"Service": ["logging.s3.amazonaws.com"]},
                    conditions=[
                        Condition("ArnLike", "aws:SourceArn", [self.bucket.arn]),
                        Condition("StringEquals", "aws:SourceAccount", [aws.account_id]),
                    ],
                ),
                tls_only(self.access_bucket.arn),
            ],
        )
        access_policy_attached = S3BucketPolicy(self, "access_policy", bucket=self.access_bucket.id, policy=access_policy.json)
        S3BucketLoggingA(
            self,
            "server_access_logging",
            bucket=self.bucket.id,
            target_bucket=self.access_bucket.id,
            target_prefix=ACCESS_LOG_PREFIX,
            depends_on=[access_policy_attached],  # S3 checks the target's policy admits the logging service
        )
        if object_lock_days is not None:
            S3BucketObjectLockConfigurationA(
                self,
                "object_lock",
                bucket=self.bucket.id,
                object_lock_enabled="Enabled",
                rule=S3BucketObjectLockConfigurationRuleA(
                    default_retention=S3BucketObjectLockConfigurationRuleDefaultRetentionA(mode="GOVERNANCE", days=object_lock_days)
                ),
                depends_on=[versioning],  # Object Lock needs versioning on first
            )

        elb_account = DataAwsElbServiceAccount(self, "elb_account")
        objects = f"{self.bucket.arn}/{self.prefix}/AWSLogs/{aws.account_id}/*"
        policy = policy_document(
            self,
            "policy_document",
            [
                Statement(
                    sid="RegionalElbAccountWrites", actions=["s3:PutObject"], resources=[objects], principals={"AWS": [elb_account.arn]}
                ),
                Statement(
                    sid="LogDeliveryWrites",
                    actions=["s3:PutObject"],
                    resources=[objects],
                    principals={"Service": ["logdelivery.elasticloadbalancing.amazonaws.com"]},
                ),
                tls_only(self.bucket.arn),
            ],
        )
        S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=policy.json)

    def _private_bucket(self, logical: str, name: str, retention_days: int, protected: bool) -> tuple[S3Bucket, S3BucketVersioningA]:
        """Private, owner-enforced, versioned, SSE-S3; current and noncurrent versions kept `retention_days`."""
        prefix = "" if logical == "bucket" else f"{logical}_"
        # Outside protected environments a destroy removes the logs with the bucket.
        bucket = S3Bucket(self, logical, bucket=name, force_destroy=not protected)
        keep(bucket, protected=protected)  # a protected environment's plan may not delete its logs
        S3BucketPublicAccessBlock(
            self,
            f"{prefix}public_access_block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self, f"{prefix}ownership", bucket=bucket.id, rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced")
        )
        versioning = S3BucketVersioningA(
            self,
            f"{prefix}versioning",
            bucket=bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            f"{prefix}encryption",
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="AES256"
                    )
                )
            ],
        )
        S3BucketLifecycleConfiguration(
            self,
            f"{prefix}lifecycle",
            bucket=bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=retention_days)],
                    # A replaced or deleted log's previous version lives as long as the logs do.
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=retention_days)
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=1)
                    ],
                )
            ],
        )
        return bucket, versioning

    @property
    def name(self) -> str:
        return self.bucket.bucket


def tls_only(bucket_arn: str) -> Statement:
    return Statement(
        sid="TlsOnly",
        effect="Deny",
        actions=["s3:*"],
        resources=[bucket_arn, f"{bucket_arn}/*"],
        principals={"*": ["*"]},
        conditions=[Condition("Bool", "aws:SecureTransport", ["false"])],
    )
