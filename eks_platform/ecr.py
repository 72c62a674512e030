"""One ECR repository per service: scanned on push, immutable tags, KMS, bounded history that keeps what is deployed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from config.model import EcrConfig
from eks_platform.protection import keep


def lifecycle_policy(*, deployed_tags: Sequence[str], keep_tagged: int, untagged_days: int) -> str:
    """Expire untagged images by age and old tags by count, never a tag the environment deploys.

    ECR evaluates rules in priority order, and "an image that matches the tagging requirements
    of a rule cannot be expired by a rule with a lower priority" (Amazon ECR User Guide,
    "Automate the cleanup of images by using lifecycle policies", lifecycle policy evaluation
    rules: https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html). So
    each deployed tag gets its own first rule: it selects that one tag (a tagPatternList of
    several tags selects only images carrying all of them, hence one rule per tag) and expires
    nothing (tags are immutable: one image per tag, never more than 1), which shields the image
    from the count rule below. A Fargate pod pulls its image on every start, so a deployed image
    that was expired would fail the next scale-out. No rule uses tagStatus "any".
    """
    protect = [
        {
            "description": f"Never expire {tag}: this environment's values deploy it",
            "selection": {"tagStatus": "tagged", "tagPatternList": [tag], "countType": "imageCountMoreThan", "countNumber": 1},
        }
        for tag in sorted(set(deployed_tags))
    ]
    expire = [
        {
            "description": f"Expire untagged images {untagged_days} days after push",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": untagged_days},
        },
        {
            "description": f"Keep the newest {keep_tagged} other tagged images",
            "selection": {"tagStatus": "tagged", "tagPatternList": ["*"], "countType": "imageCountMoreThan", "countNumber": keep_tagged},
        },
    ]
    rules = [{"rulePriority": priority, **rule, "action": {"type": "expire"}} for priority, rule in enumerate([*protect, *expire], 1)]
    return json.dumps({"rules": rules})


class Repositories(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: Mapping[str, str],
        prefix: str,
        config: EcrConfig,
        kms_key_arn: str,
        deployed_tags: Mapping[str, Sequence[str]] | None = None,
        protected: bool = False,
    ) -> None:
        """`names` maps a service to its repository name; the repository is `<prefix>/<name>`.
        `deployed_tags` maps a service to the image tags the environment deploys from it."""
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
            keep(repository, protected=protected)
            policy = lifecycle_policy(
                deployed_tags=(deployed_tags or {}).get(service, ()),
                keep_tagged=config.keep_last_images,
                untagged_days=config.untagged_expire_days,
            )
            EcrLifecyclePolicy(self, f"lifecycle_{service}", repository=repository.name, policy=policy)
            self.repositories[service] = repository
