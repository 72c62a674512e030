"""The bucket the controller's ALBs write their access logs to (PCI DSS 10.2: who reached what).

ALB access logs support only SSE-S3 (AES-256, Amazon S3-managed keys): Elastic Load Balancing
cannot write to a bucket whose default encryption is SSE-KMS. The bucket is therefore
encrypted with SSE-S3, private, versioned, owner-enforced, TLS-only, and expires logs after
the environment's log retention. Elastic Load Balancing is allowed to write under the
cluster's prefix only: the regional ELB account (regions before August 2022) and the log
delivery service principal (newer regions).
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


class LoadBalancerLogs(Construct):
    def __init__(self, scope: Construct, id_: str, *, aws: AwsContext, cluster_name: str, retention_days: int, protected: bool) -> None:
        super().__init__(scope, id_)
        self.prefix = cluster_name
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=f"{cluster_name}-alb-logs-{aws.account_id}",
            # Outside protected environments a destroy removes the logs with the bucket.
            force_destroy=not protected,
        )
        keep(self.bucket, protected=protected)
        skip_checks(
            self.bucket,
            {
                "CKV_AWS_145": SSE_S3_ONLY,
                "CKV_AWS_18": "this bucket holds access logs itself; logging its own access would write into itself",
                "CKV_AWS_144": "access logs are kept in the region of the load balancers; a copy elsewhere is the operator's "
                "disaster-recovery decision, not a control this bucket can meet alone",
                "CKV2_AWS_62": "nothing consumes access-log object events; logs are read by query (Athena) when needed",
            },
        )
        S3BucketPublicAccessBlock(
            self,
            "public_access_block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self, "ownership", bucket=self.bucket.id, rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced")
        )
        S3BucketVersioningA(
            self, "versioning", bucket=self.bucket.id, versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled")
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
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
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=retention_days)],
                    noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=1)],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=1)
                    ],
                )
            ],
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
                Statement(
                    sid="TlsOnly",
                    effect="Deny",
                    actions=["s3:*"],
                    resources=[self.bucket.arn, f"{self.bucket.arn}/*"],
                    principals={"*": ["*"]},
                    conditions=[Condition("Bool", "aws:SecureTransport", ["false"])],
                ),
            ],
        )
        S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=policy.json)

    @property
    def name(self) -> str:
        return self.bucket.bucket
