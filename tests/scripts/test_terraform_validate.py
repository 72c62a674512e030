"""The synthesized JSON is valid Terraform for the pinned providers (the durable contract)."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from scripts.terraform_validate import validate, workloads_providers_missing
from tests.conftest import ENVIRONMENTS, Synthesized

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")]


@pytest.fixture(scope="module")
def platform_validations(synthesized: dict[str, Synthesized]) -> dict[str, Future[None]]:
    """`terraform validate` of every environment's platform stack, as many at a time as there are cores: each run
    spends seconds of CPU in one process, the AWS provider loading its schema."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return {
            environment: pool.submit(validate, synth.outdir / "stacks" / f"tap-platform-{environment}")
            for environment, synth in synthesized.items()
        }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_platform_stack_is_valid_terraform(environment: str, platform_validations: dict[str, Future[None]]) -> None:
    platform_validations[environment].result()  # raises CalledProcessError with Terraform's output if it is not valid


def test_workloads_stack_is_valid_terraform(synthesized: dict[str, Synthesized]) -> None:
    missing = workloads_providers_missing()
    if missing:
        pytest.skip(
            f"the local provider mirror lacks {', '.join(missing)} (no registry access here); validated where Terraform can download them"
        )
    validate(synthesized["dev"].outdir / "stacks" / "tap-workloads-dev")
