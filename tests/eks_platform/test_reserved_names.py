"""Every name the platform stack gives an IAM role is reserved from services (config/reserved.py).

A service's role is `<cluster>-<service>`: a platform role `<cluster>-<x>` whose `x` is not in
PLATFORM_ROLE_SUFFIXES is a name a new service folder could take, and the apply would fail on it
(EntityAlreadyExists) or, worse, one role's trust replace the other's.
"""

from __future__ import annotations

from config.reserved import PLATFORM_ROLE_SUFFIXES
from config.service import ServiceConfig
from tests.conftest import Synthesized


def test_every_platform_role_name_is_reserved_from_services(env: Synthesized) -> None:
    prefix = f"{env.config.cluster_name}-"
    service_roles = {env.config.service_role_name(name) for name in env.config.services}
    names = [role["name"] for role in env.resources("platform", "aws_iam_role").values()]
    assert names and all(name.startswith(prefix) for name in names)
    platform_roles = {name.removeprefix(prefix) for name in names if name not in service_roles}
    assert platform_roles <= PLATFORM_ROLE_SUFFIXES, platform_roles - PLATFORM_ROLE_SUFFIXES
    # The IAM roles quota check (config/environment_rules.py) counts the platform's roles without synthesizing.
    assert len(platform_roles) == env.config.platform_role_count


def test_a_service_named_like_a_platform_role_is_refused() -> None:
    for name in sorted(PLATFORM_ROLE_SUFFIXES):
        try:
            ServiceConfig.model_validate({"name": name, "namespace": "team", "service_account": "team", "repository": "team"})
        except ValueError as error:
            assert f"name: '{name}' is reserved" in str(error)
        else:
            raise AssertionError(f"{name!r} was accepted")
