"""The environment's alarm topic, when the platform creates it: KMS-encrypted, with the subscriptions
named in `alarms.subscriptions` (config/observability.py validates protocol and endpoint).

An email or email-json subscription stays "pending confirmation" until its owner follows the link
SNS mails (Amazon SNS Developer Guide, "Subscribing an email address to an Amazon SNS topic");
Terraform cannot confirm it, so a new address pages nobody until then (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from config.observability import Subscription


class AlarmTopic(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, cluster_name: str, kms_key_arn: str, subscriptions: Mapping[str, Subscription]
    ) -> None:
        super().__init__(scope, id_)
        # The key's policy lets CloudWatch's alarms publish (eks_platform/encryption.py).
        self.topic = SnsTopic(self, "topic", name=f"{cluster_name}-alarms", kms_master_key_id=kms_key_arn)
        self.subscriptions = {
            name: SnsTopicSubscription(
                self, f"subscription_{name.replace('-', '_')}", topic_arn=self.topic.arn, protocol=sub.protocol, endpoint=sub.endpoint
            )
            for name, sub in subscriptions.items()
        }
