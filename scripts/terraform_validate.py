"""`make validate [ENV=dev]`: `terraform validate` on the synthesized stacks with the real providers.

The workloads stack needs the kubernetes and helm providers. Where providers come from a
local mirror that lacks them, it is skipped with the reason and the exit status is 3 (a
shortfall, not a success), unless `--allow-partial` (`make validate ALLOW_PARTIAL=1`) accepts
it; with registry access (no mirror), Terraform downloads them and it is validated too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from app_support.stack_names import platform_stack_name, workloads_stack_name
from scripts import terraform
from scripts.terraform import STACKS_DIR, ToolMissing

WORKLOADS_PROVIDERS = {"kubernetes": "2.38.0", "helm": "3.1.1"}
NOT_VALIDATED = 3  # exit status when a stack could not be validated and --allow-partial was not given


def workloads_providers_missing() -> list[str]:
    """Providers the workloads stack needs that the configured mirror does not have."""
    if terraform.plugin_dir() is None:
        return []
    return [f"{name} {version}" for name, version in WORKLOADS_PROVIDERS.items() if not terraform.mirror_has(name, version)]


def validate(stack_dir: Path) -> None:
    terraform.init(stack_dir, backend=False)
    terraform.run(stack_dir, "validate", "-no-color")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make validate", description="terraform validate on an environment's synthesized stacks")
    parser.add_argument("environment", nargs="?", default="dev")
    parser.add_argument("--allow-partial", action="store_true", help="exit 0 even when a stack could not be validated")
    args = parser.parse_args(argv[1:])
    environment = args.environment
    result = subprocess.run([sys.executable, "tap.py", environment], check=False)
    if result.returncode != 0:
        return result.returncode
    try:
        validate(STACKS_DIR / platform_stack_name(environment))
        print(f"{platform_stack_name(environment)}: valid")
        missing = workloads_providers_missing()
        if missing:
            mirror = terraform.plugin_dir()
            print(f"{workloads_stack_name(environment)}: not validated: the provider mirror {mirror} lacks {', '.join(missing)}")
            if not args.allow_partial:
                print(
                    f"error: 1 of 2 stacks not validated (exit status {NOT_VALIDATED}); "
                    "`make validate ALLOW_PARTIAL=1` accepts that, or point TAP_TF_PLUGIN_DIR at a mirror with those providers",
                    file=sys.stderr,
                )
                return NOT_VALIDATED
        else:
            validate(STACKS_DIR / workloads_stack_name(environment))
            print(f"{workloads_stack_name(environment)}: valid")
    except ToolMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(f"error: terraform {error.cmd[1]} failed:\n{error.stderr or error.stdout}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
