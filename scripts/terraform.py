"""Running Terraform on a synthesized stack, with providers from a local mirror when there is one.

TAP_TF_PLUGIN_DIR names the mirror (a directory laid out as
`registry.terraform.io/hashicorp/aws/<version>/<os_arch>/`); `none` turns it off. Unset, the
first `/*/tf-plugins` directory holding such a layout is used; without one, Terraform
downloads providers from its registry as usual.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS_DIR = REPO_ROOT / "cdktf.out" / "stacks"


class ToolMissing(Exception):
    """A required command-line tool is not installed; the message says what to do."""


def terraform_binary() -> str:
    found = shutil.which("terraform")
    if not found:
        raise ToolMissing(
            "terraform is not on PATH: install Terraform 1.10 or newer "
            "(https://developer.hashicorp.com/terraform/install), then run this again"
        )
    return found


def plugin_dir() -> Path | None:
    configured = os.environ.get("TAP_TF_PLUGIN_DIR")
    if configured:
        return None if configured.lower() == "none" else Path(configured)
    for candidate in sorted(glob.glob("/*/tf-plugins")):
        if (Path(candidate) / "registry.terraform.io").is_dir():
            return Path(candidate)
    return None


def mirror_has(provider: str, version: str) -> bool:
    mirror = plugin_dir()
    return mirror is not None and (mirror / "registry.terraform.io" / "hashicorp" / provider / version).is_dir()


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # A CLI config variable pointing at a missing file only produces a warning on every command.
    config = env.get("TF_CLI_CONFIG_FILE")
    if config and not Path(config).exists():
        env.pop("TF_CLI_CONFIG_FILE")
    env.setdefault("TF_IN_AUTOMATION", "1")
    env.update(extra or {})
    return env


def run(stack_dir: Path, *args: str, extra_env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs `terraform <args>` in `stack_dir`, capturing output."""
    result = subprocess.run(
        [terraform_binary(), *args], cwd=stack_dir, env=environment(extra_env), text=True, capture_output=True, check=False
    )
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, ["terraform", *args], result.stdout, result.stderr)
    return result


def init(stack_dir: Path, *, backend: bool = True, extra_env: dict[str, str] | None = None) -> None:
    args = ["init", "-input=false", "-no-color"]
    if not backend:
        args.append("-backend=false")
    mirror = plugin_dir()
    if mirror is not None:
        args.append(f"-plugin-dir={mirror}")
    try:
        run(stack_dir, *args, extra_env=extra_env)
    except subprocess.CalledProcessError as error:
        if "provider" not in (error.stderr or ""):
            raise
        where = f"the local mirror {mirror}" if mirror else "the Terraform registry"
        raise ToolMissing(
            f"terraform could not install the providers of {stack_dir.name} from {where}: point TAP_TF_PLUGIN_DIR "
            "at a mirror holding them (registry.terraform.io/hashicorp/<name>/<version>/<os_arch>/), or allow access "
            f"to registry.terraform.io. Terraform said: {first_error(error.stderr or '')}"
        ) from None


def first_error(output: str) -> str:
    """Terraform's first `Error:` line, without its box drawing."""
    for line in output.splitlines():
        if "Error:" in line:
            return line.strip(" │╷╵").strip()
    return output.strip().splitlines()[-1] if output.strip() else "(no output)"


def describe_failure(command: list[str], returncode: int, stdout: str, stderr: str) -> str:
    """One line on why a terraform command failed: its own first error, else what it did say.

    Reads both plain output and `-json` output (diagnostics of severity `error`). A disk that
    filled up is named as such, whatever Terraform's summary says (it may report only a
    state file it could not read back).
    """
    name = "terraform " + (command[1] if len(command) > 1 else "")
    output = f"{stderr}\n{stdout}"
    if "no space left on device" in output.lower():
        return f"no space left on device ({name}: {first_error_or_diagnostic(output)})"
    if not output.strip():
        return f"{name} exited {returncode} with no output (command: {' '.join(command)})"
    return f"{name} failed: {first_error_or_diagnostic(output)}"


def first_error_or_diagnostic(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                message = json.loads(line)
            except ValueError:
                continue
            diagnostic = message.get("diagnostic") if isinstance(message, dict) else None
            if diagnostic and diagnostic.get("severity") == "error":
                detail = " ".join(str(diagnostic.get("detail", "")).split())
                return f"Error: {diagnostic.get('summary', '')}" + (f": {detail[:300]}" if detail else "")
        elif "Error:" in line:
            return first_error(output)
    return first_error(output)
