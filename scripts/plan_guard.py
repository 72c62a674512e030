"""Before an apply: would this plan delete or replace what a protected environment keeps?

    python -m scripts.plan_guard ENV PLAN     # or: make plan-check ENV=prod PLAN=platform.tfplan

PLAN is a saved plan (`terraform plan -out=...`, read with `terraform show -json` in the
environment's platform stack directory) or that command's JSON output. Terraform's JSON plan
lists every resource instance it would change under `resource_changes`, each with
`change.actions`: ["delete"] for a destroy, ["delete", "create"] or ["create", "delete"] for a
replacement (Terraform docs, "JSON Output Format", Change Representation). Every such change to
a guarded type (eks_platform/protection.py) is named on one line.

`prevent_destroy` already makes Terraform refuse such a plan in a protected environment; this
names every guarded resource at once, before anyone is tempted to lift the lifecycle, and it
also catches what the lifecycle cannot: a resource removed from the configuration takes its
`prevent_destroy` with it, and Terraform then plans its deletion without complaint.

Exit status 0 when nothing guarded would be deleted (or the environment is not protected and
--always is not given), 1 when something would (each named on stderr), 2 for bad input.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from app_support.stack_names import platform_stack_name
from eks_platform.protection import GUARDED_TYPES
from scripts import cli

REPO_ROOT = Path(__file__).resolve().parent.parent
# A plan's JSON for a few hundred resources is a few MB; this bounds what an odd file can cost.
MAX_PLAN_BYTES = 256 * 2**20
SHOW_TIMEOUT_SECONDS = 300
RUNBOOK = "docs/operations.md, 'Tearing down a protected environment'"


class BadPlan(Exception):
    """The plan cannot be read; the message says why, in one line."""


@dataclass(frozen=True)
class Loss:
    address: str
    type: str
    actions: tuple[str, ...]

    def __str__(self) -> str:
        what = "destroy it" if self.actions == ("delete",) else "replace it (" + ", then ".join(self.actions) + ")"
        return f"{self.address}: the plan would {what}, losing {GUARDED_TYPES[self.type]}"


def losses(plan: Mapping[str, Any]) -> list[Loss]:
    """Every managed resource of a guarded type that the plan deletes, alone or as part of a replacement."""
    return sorted(_losses(plan), key=lambda loss: loss.address)


def _losses(plan: Mapping[str, Any]) -> Iterator[Loss]:
    if not isinstance(plan, Mapping) or not isinstance(plan.get("format_version"), str):
        raise BadPlan("not a Terraform JSON plan (no format_version): pass a saved plan or `terraform show -json` of one")
    if plan["format_version"].split(".")[0] != "1":
        raise BadPlan(f"format_version {plan['format_version']!r}: this guard reads the JSON plan format 1.x")
    changes = plan.get("resource_changes", [])
    if not isinstance(changes, list):
        raise BadPlan("resource_changes is not a list")
    for change in changes:
        try:
            mode, kind, address, actions = change["mode"], change["type"], change["address"], change["change"]["actions"]
        except (KeyError, TypeError):
            raise BadPlan("a resource_changes entry lacks mode, type, address or change.actions") from None
        if not (isinstance(actions, list) and all(isinstance(a, str) for a in actions)):
            raise BadPlan(f"{address}: change.actions is not a list of strings")
        if mode == "managed" and kind in GUARDED_TYPES and "delete" in actions:
            yield Loss(str(address), kind, tuple(actions))


def read_plan(path: Path, stack_dir: Path) -> dict[str, Any]:
    """The plan's JSON: the file itself, or `terraform show -json` of a saved (binary) plan."""
    if not path.is_file():
        raise BadPlan(f"{path}: not a file")
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise BadPlan(f"{path}: larger than {MAX_PLAN_BYTES // 2**20} MB; not a plan of this platform")
    with path.open("rb") as handle:
        head = handle.read(2)
    if head == b"PK":  # a saved plan is a zip archive
        text = _show(path, stack_dir)
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise BadPlan(f"{path}: neither a saved plan nor UTF-8 JSON") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadPlan(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None


def _show(path: Path, stack_dir: Path) -> str:
    from scripts import terraform

    if not stack_dir.is_dir():
        raise BadPlan(f"{stack_dir}: no synthesized stack; run `make synth ENV=...` and `terraform init` there first")
    try:
        result = subprocess.run(
            [terraform.terraform_binary(), "show", "-json", "-no-color", str(path.resolve())],
            cwd=stack_dir,
            env=terraform.environment(),
            text=True,
            capture_output=True,
            timeout=SHOW_TIMEOUT_SECONDS,
            check=False,
        )
    except (terraform.ToolMissing, subprocess.TimeoutExpired) as error:
        raise BadPlan(f"terraform show -json {path}: {error}") from None
    if result.returncode != 0:
        raise BadPlan(f"terraform show -json {path}: {terraform.first_error(result.stderr or result.stdout)}")
    return result.stdout


def report(found: list[Loss], environment: str) -> int:
    for loss in found:
        print(f"error: {loss}", file=sys.stderr)
    if found:
        print(
            f"error: {len(found)} guarded resource(s) of {environment} would be deleted; if that is the intent, follow {RUNBOOK}",
            file=sys.stderr,
        )
        return 1
    return 0


@cli.refusals_exit_2
def main(argv: list[str]) -> int:
    config, (plan_path,), flags = cli.environment_arguments(
        argv, "usage: python -m scripts.plan_guard ENVIRONMENT PLAN [--always]", positional=2, flags={"--always"}
    )
    stack_dir = REPO_ROOT / "cdktf.out" / "stacks" / platform_stack_name(config.name)
    try:
        found = losses(read_plan(Path(plan_path), stack_dir))
    except BadPlan as error:
        print(f"error: PLAN: {error}", file=sys.stderr)
        return 2
    if not config.protected and "--always" not in flags:
        print(f"plan-check {config.name}: not a protected environment; {len(found)} guarded resource(s) would be deleted, which it allows")
        return 0
    status = report(found, config.name)
    if status == 0:
        print(f"plan-check {config.name}: no guarded resource would be deleted or replaced")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
