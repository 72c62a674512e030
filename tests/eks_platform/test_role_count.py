"""The IAM quota check (config/environment_rules.py) counts the platform's roles before anything is
synthesized; docs/runtime.md's quota table says what it counts. That count must be the roles the
platform stack really creates, in every environment (with or without flow logs or a deploy runner),
or an account near its quota is refused too late: by IAM, mid-apply."""

from __future__ import annotations

from tests.conftest import Synthesized


def test_the_quota_check_counts_every_role_the_platform_creates(env: Synthesized) -> None:
    roles = env.resources("platform", "aws_iam_role")
    service_roles = [name for name in roles if name.startswith("irsa_") and name[5:].removesuffix("_role") in env.config.services]
    assert len(service_roles) == len(env.config.services)
    assert len(roles) - len(service_roles) == env.config.platform_role_count, sorted(set(roles) - set(service_roles))
