"""The bucket `make deploy-workloads` uploads the workloads package to, read only by the deploy runner.

Private, owner-enforced, versioned (every deployed package stays retrievable for 90 days, then
expires), TLS-only, encrypted with the platform's data key. One object, always the same key: the
runner's project names it, so a build can only run the package last uploaded here.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
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
from config.deploy_runner import SOURCE_KEY, source_bucket_name
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement, policy_document
from eks_platform.protection import keep


class DeploySource(Construct):
    KEY = SOURCE_KEY

    def __init__(self, scope: Construct, id_: str, *, aws: AwsContext, cluster_name: str, kms_key_arn: str, protected: bool) -> None:
        super().__init__(scope, id_)
        self.bucket = S3Bucket(self, "bucket", bucket=source_bucket_name(cluster_name, aws.account_id), force_destroy=not protected)
        keep(self.bucket, protected=protected)  # the record of what was applied, in a protected environment
        skip_checks(
            self.bucket,
            {
                "CKV_AWS_18": "one package object written by the deployer and read by the runner; both calls are in CloudTrail",
                "CKV_AWS_144": "a package is rebuilt from the repository at any time; a copy in another region protects nothing",
                "CKV2_AWS_62": "nothing consumes its object events: make deploy-workloads starts the build itself",
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
                        sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-old-packages",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=90)],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=1)
                    ],
                )
            ],
        )
        policy = policy_document(
            self,
            "policy_document",
            [
                Statement(
                    sid="TlsOnly",
                    effect="Deny",
                    actions=["s3:*"],
                    resources=[self.bucket.arn, f"{self.bucket.arn}/*"],
                    principals={"*": ["*"]},
                    conditions=[Condition("Bool", "aws:SecureTransport", ["false"])],
                )
            ],
        )
        S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=policy.json)
