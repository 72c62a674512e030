"""The synthesized JSON is valid Terraform for the pinned providers (the durable contract)."""

from __future__ import annotations

import shutil

import pytest

from scripts.terraform_validate import validate, workloads_providers_missing
from tests.conftest import ENVIRONMENTS, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_platform_stack_is_valid_terraform(environment: str, synthesized: dict[str, Synthesized]) -> None:
    synth = synthesized[environment]
    validate(synth.outdir / "stacks" / f"tap-platform-{environment}")


def test_workloads_stack_is_valid_terraform(synthesized: dict[str, Synthesized]) -> None:
    missing = workloads_providers_missing()
    if missing:
        pytest.skip(
            f"the local provider mirror lacks {', '.join(missing)} (no registry access here); validated where Terraform can download them"
        )
    validate(synthesized["dev"].outdir / "stacks" / "tap-workloads-dev")
