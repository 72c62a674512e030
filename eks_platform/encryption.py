"""Customer-managed KMS keys: one for Kubernetes secrets, one for the platform's data at rest.

Two keys keep the blast radius apart: the cluster role can use only the secrets key, and the
data key (logs, images, Secrets Manager) is usable by the services that need it, never by EKS.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from checkov_skips import skip_checks
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement, policy_document

# In a key policy, Resource "*" means the key itself, and the account root statement only
# delegates to IAM (AWS's default key policy); identity-policy checks do not apply.
_KEY_POLICY = "a KMS key policy: Resource '*' is this key, and the root statement delegates access to IAM policies"
KEY_POLICY_SKIPS = {"CKV_AWS_109": _KEY_POLICY, "CKV_AWS_111": _KEY_POLICY, "CKV_AWS_356": _KEY_POLICY}


class EncryptionKeys(Construct):
    def __init__(self, scope: Construct, id_: str, *, aws: AwsContext, cluster_name: str, protected: bool) -> None:
        super().__init__(scope, id_)
        deletion_window = 30 if protected else 7
        account_root = {"AWS": [f"arn:{aws.partition}:iam::{aws.account_id}:root"]}
        # The account administers its keys through IAM; nothing else is granted here.
        administer = Statement(sid="AccountAdministersThroughIam", actions=["kms:*"], resources=["*"], principals=account_root)

        secrets_policy = policy_document(self, "cluster_secrets_key_policy", [administer])
        skip_checks(secrets_policy, KEY_POLICY_SKIPS)
        self.cluster_secrets = KmsKey(
            self,
            "cluster_secrets_key",
            description=f"{cluster_name}: envelope encryption of Kubernetes secrets",
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window,
            policy=secrets_policy.json,
        )
        KmsAlias(self, "cluster_secrets_alias", name=f"alias/{cluster_name}/cluster-secrets", target_key_id=self.cluster_secrets.key_id)

        # CloudWatch Logs encrypts with the key itself (not through the caller's identity), so
        # the key policy must admit the service, limited to this account's log groups.
        logs_service = Statement(
            sid="CloudWatchLogsEncryptsThisAccountsGroups",
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            principals={"Service": [f"logs.{aws.region}.amazonaws.com"]},
            conditions=[Condition("ArnLike", "kms:EncryptionContext:aws:logs:arn", [aws.arn("logs", "log-group:*")])],
        )
        data_policy = policy_document(self, "platform_data_key_policy", [administer, logs_service])
        skip_checks(data_policy, KEY_POLICY_SKIPS)
        self.platform_data = KmsKey(
            self,
            "platform_data_key",
            description=f"{cluster_name}: logs, container images and service secrets",
            enable_key_rotation=True,
            deletion_window_in_days=deletion_window,
            policy=data_policy.json,
        )
        KmsAlias(self, "platform_data_alias", name=f"alias/{cluster_name}/platform-data", target_key_id=self.platform_data.key_id)
