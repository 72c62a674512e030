"""Customer-managed KMS keys: one for Kubernetes secrets, one for the platform's data at rest.

Two keys keep the blast radius apart: the cluster role can use only the secrets key, and the
data key (logs, images, Secrets Manager) is usable by the services that need it, never by EKS.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement, policy_document

# In a key policy, Resource "*" means the key itself, and the account root statement only
# delegates to IAM (AWS's default key policy); identity-policy checks do not apply. Each key's
# reason names exactly the statements its policy has.
_KEY_POLICY = (
    "a KMS key policy: Resource '*' is this key. The account root statement delegates access to IAM policies (AWS's default key policy)"
)
_LOGS_STATEMENT = (
    ", and the CloudWatch Logs statement is limited by an encryption-context condition to this account's log groups in the region"
)


def key_policy_skips(*, logs_statement: bool) -> dict[str, str]:
    reason = _KEY_POLICY + (_LOGS_STATEMENT if logs_statement else "; it has no other statement")
    return {"CKV_AWS_109": reason, "CKV_AWS_111": reason, "CKV_AWS_356": reason}


LOGS_SID = "CloudWatchLogsEncryptsThisAccountsGroups"


class EncryptionKeys(Construct):
    def __init__(self, scope: Construct, id_: str, *, aws: AwsContext, cluster_name: str, protected: bool) -> None:
        super().__init__(scope, id_)
        self._deletion_window = 30 if protected else 7
        self._cluster_name = cluster_name
        account_root = {"AWS": [f"arn:{aws.partition}:iam::{aws.account_id}:root"]}
        # The account administers its keys through IAM; nothing else is granted here.
        administer = Statement(sid="AccountAdministersThroughIam", actions=["kms:*"], resources=["*"], principals=account_root)

        self.cluster_secrets = self._key(
            "cluster_secrets", f"{cluster_name}/cluster-secrets", "envelope encryption of Kubernetes secrets", [administer]
        )
        # CloudWatch Logs encrypts with the key itself (not through the caller's identity), so
        # the key policy must admit the service, limited to this account's log groups.
        logs_service = Statement(
            sid=LOGS_SID,
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            principals={"Service": [f"logs.{aws.region}.amazonaws.com"]},
            conditions=[Condition("ArnLike", "kms:EncryptionContext:aws:logs:arn", [aws.arn("logs", "log-group:*")])],
        )
        self.platform_data = self._key(
            "platform_data", f"{cluster_name}/platform-data", "logs, container images and service secrets", [administer, logs_service]
        )

    def _key(self, logical: str, alias: str, purpose: str, statements: list[Statement]) -> KmsKey:
        policy = policy_document(self, f"{logical}_key_policy", statements)
        skip_checks(policy, key_policy_skips(logs_statement=any(statement.sid == LOGS_SID for statement in statements)))
        key = KmsKey(
            self,
            f"{logical}_key",
            description=f"{self._cluster_name}: {purpose}",
            enable_key_rotation=True,
            deletion_window_in_days=self._deletion_window,
            policy=policy.json,
        )
        KmsAlias(self, f"{logical}_alias", name=f"alias/{alias}", target_key_id=key.key_id)
        return key
