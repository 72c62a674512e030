"""One ECR repository per service: scanned on push, immutable tags, KMS, bounded history."""

from __future__ import annotations

import json
from collections.abc import Mapping

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from config.model import EcrConfig


def keep_last_images(count: int) -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Keep the last {count} images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": count},
                    "action": {"type": "expire"},
                }
            ]
        }
    )


class Repositories(Construct):
    def __init__(self, scope: Construct, id_: str, *, names: Mapping[str, str], prefix: str, config: EcrConfig, kms_key_arn: str) -> None:
        """`names` maps a service to its repository name; the repository is `<prefix>/<name>`."""
        super().__init__(scope, id_)
        self.repositories: dict[str, EcrRepository] = {}
        for service, name in names.items():
            repository = EcrRepository(
                self,
                f"repository_{service}",
                name=f"{prefix}/{name}",
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
                encryption_configuration=[EcrRepositoryEncryptionConfiguration(encryption_type="KMS", kms_key=kms_key_arn)],
                force_delete=config.force_delete,
            )
            EcrLifecyclePolicy(self, f"lifecycle_{service}", repository=repository.name, policy=keep_last_images(config.keep_last_images))
            self.repositories[service] = repository
