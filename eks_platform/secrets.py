"""One Secrets Manager secret per service, encrypted with the platform data key.

Only the container is created: its value is set by the owning team (console, CLI or a
rotation function) and so never passes through Terraform state.
"""

from __future__ import annotations

from collections.abc import Iterable

from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.protection import keep

ROTATION_REASON = (
    "rotation is not configured by this platform: it needs a rotation function for the kind of secret "
    "(database, API key), so enabling it is an operator duty when the value is set (docs/security.md)"
)


class ServiceSecrets(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster_name: str,
        services: Iterable[str],
        kms_key_arn: str,
        recovery_window_days: int,
        protected: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        self.secrets: dict[str, SecretsmanagerSecret] = {}
        for service in services:
            secret = SecretsmanagerSecret(
                self,
                f"secret_{service}",
                name=f"{cluster_name}/{service}",
                description=f"Runtime secrets of the {service} service",
                kms_key_id=kms_key_arn,
                recovery_window_in_days=recovery_window_days,
            )
            skip_checks(secret, {"CKV2_AWS_57": ROTATION_REASON})
            keep(secret, protected=protected)
            self.secrets[service] = secret
