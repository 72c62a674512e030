"""Customer-managed KMS keys: one for Kubernetes secrets, one for the platform's data at rest,
and one for the alarm topic when the platform creates it.

Separate keys keep the blast radius apart: the cluster role can use only the secrets key, the
data key (logs, images, Secrets Manager) is usable by the services that need it, never by EKS,
and CloudWatch's alarm service may use only the alarm topic's key.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement, policy_document
from eks_platform.protection import keep

# In a key policy, Resource "*" means the key itself, and the account root statement only
# delegates to IAM (AWS's default key policy); identity-policy checks do not apply. Each key's
# reason names exactly the statements its policy has.
_KEY_POLICY = (
    "a KMS key policy: Resource '*' is this key. The account root statement delegates access to IAM policies (AWS's default key policy)"
)
LOGS_SID = "CloudWatchLogsEncryptsThisAccountsGroups"
ALARMS_SID = "CloudWatchAlarmsPublishToTheAlarmTopic"
# What each service statement a key policy may carry is limited to, for its suppression reason.
_SERVICE_STATEMENTS = {
    LOGS_SID: "the CloudWatch Logs statement is limited by an encryption-context condition to this account's log groups in the region",
    ALARMS_SID: "the CloudWatch alarms statement is limited by aws:SourceAccount and aws:SourceArn to this cluster's alarms",
}


def key_policy_skips(sids: set[str]) -> dict[str, str]:
    """The reason names exactly the statements this key's policy has."""
    named = [_SERVICE_STATEMENTS[sid] for sid in sorted(sids) if sid in _SERVICE_STATEMENTS]
    # No ';' in a reason: the skip annotations are joined with it (app_support/checkov_skips.py).
    reason = _KEY_POLICY + (". " + ". ".join(s[0].upper() + s[1:] for s in named) if named else ". It has no other statement")
    return {"CKV_AWS_109": reason, "CKV_AWS_111": reason, "CKV_AWS_356": reason}


class EncryptionKeys(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, aws: AwsContext, cluster_name: str, protected: bool, alarm_topic: bool = False
    ) -> None:
        super().__init__(scope, id_)
        self._deletion_window = 30 if protected else 7
        self._protected = protected
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
        self.alarm_topic: KmsKey | None = None
        if alarm_topic:
            # CloudWatch publishes alarm notifications to an encrypted topic only if the topic's key
            # lets its service principal use it: kms:Decrypt and kms:GenerateDataKey* (Amazon SNS
            # Developer Guide, "Configuring AWS KMS permissions", "Enable compatibility between event
            # sources from AWS services and encrypted topics":
            # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
            # Limited to this account's alarms of this cluster (confused-deputy protection).
            alarms_service = Statement(
                sid=ALARMS_SID,
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                principals={"Service": ["cloudwatch.amazonaws.com"]},
                conditions=[
                    Condition("StringEquals", "aws:SourceAccount", [aws.account_id]),
                    Condition("ArnLike", "aws:SourceArn", [aws.arn("cloudwatch", f"alarm:{cluster_name}-*")]),
                ],
            )
            self.alarm_topic = self._key(
                "alarm_topic", f"{cluster_name}/alarm-topic", "the alarm notification topic", [administer, alarms_service]
            )

    def _key(self, logical: str, alias: str, purpose: str, statements: list[Statement]) -> KmsKey:
        policy = policy_document(self, f"{logical}_key_policy", statements)
        skip_checks(policy, key_policy_skips({statement.sid for statement in statements}))
        key = KmsKey(
            self,
            f"{logical}_key",
            description=f"{self._cluster_name}: {purpose}",
            enable_key_rotation=True,
            deletion_window_in_days=self._deletion_window,
            policy=policy.json,
        )
        keep(key, protected=self._protected)
        KmsAlias(self, f"{logical}_alias", name=f"alias/{alias}", target_key_id=key.key_id)
        return key
