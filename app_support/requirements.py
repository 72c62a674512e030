"""The tools the project needs, checked before anything starts them: one line each, exit status 2.

The standard library only: `tap.py` and the Makefile run these checks before the project's
packages are known to be installed (the Makefile with whatever `python3` the machine has).

    python -m app_support.requirements python node terraform    # what the Makefile and .ci/run do

- python: Python 3.11, the version `Pipfile.lock` was resolved for;
- packages: the project's Python packages (`make setup` installs them into .venv/);
- node: Node.js, which the cdktf library starts for every synth (not only the cdktf CLI does);
  jsii 1.142 has dropped Node 18 and older, and the cdktf CLI 0.21 needs 20 or newer;
- terraform: 1.10 or newer (S3 native state locking; `make local`, `make test`, `make validate`);
- npm: for the pinned cdktf CLI (`make cdktf-synth`).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable

from app_support import console

PYTHON_VERSION = (3, 11)
MINIMUM_NODE_MAJOR = 20
MINIMUM_TERRAFORM = (1, 10)
# Import names of the Pipfile's [packages] that a synth imports.
SYNTH_PACKAGES = (
    "cdktf",
    "constructs",
    "cdktf_cdktf_provider_aws",
    "cdktf_cdktf_provider_kubernetes",
    "cdktf_cdktf_provider_helm",
    "pydantic",
    "yaml",
    "helm_python",
)
TERRAFORM_INSTALL = "https://developer.hashicorp.com/terraform/install"
NODE_INSTALL = "https://nodejs.org/en/download"


def python_problem() -> str | None:
    found = sys.version_info[:2]
    if found == PYTHON_VERSION:
        return None
    wanted = ".".join(map(str, PYTHON_VERSION))
    return (
        f"{sys.executable} is Python {'.'.join(map(str, sys.version_info[:3]))}; this project needs Python {wanted} "
        f"(Pipfile.lock is resolved for it): install it, or name it with PYTHON=python{wanted}"
    )


def packages_problem(retry: str = "make synth ENV=dev") -> str | None:
    missing = [name for name in SYNTH_PACKAGES if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    named = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return f"{sys.executable} lacks the project's Python packages ({named}): run `{retry}`, which installs them into .venv/ first"


def version_of(command: list[str], pattern: str) -> tuple[int, ...] | None:
    """The version a tool reports, as integers; None if it cannot be run or read."""
    env = dict(os.environ, CHECKPOINT_DISABLE="1")
    if env.get("TF_CLI_CONFIG_FILE") and not os.path.exists(env["TF_CLI_CONFIG_FILE"]):
        env.pop("TF_CLI_CONFIG_FILE")  # only a warning on stderr, but it would come with every call
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(pattern, result.stdout)
    return tuple(int(part) for part in found.groups()) if found else None


def node_problem() -> str | None:
    node = shutil.which("node")
    wanted = f"Node.js {MINIMUM_NODE_MAJOR} or newer"
    if node is None:
        return f"node (Node.js) is not on PATH: the cdktf library runs it for every synth; install {wanted} ({NODE_INSTALL})"
    version = version_of([node, "--version"], r"v(\d+)\.(\d+)")
    if version is None:
        return f"{node} --version did not answer with a version: install {wanted} ({NODE_INSTALL})"
    if version[0] < MINIMUM_NODE_MAJOR:
        return f"{node} is Node.js {version[0]}.{version[1]}; jsii (which runs the cdktf library) needs {wanted} ({NODE_INSTALL})"
    return None


def terraform_problem() -> str | None:
    terraform = shutil.which("terraform")
    wanted = f"Terraform {'.'.join(map(str, MINIMUM_TERRAFORM))} or newer"
    if terraform is None:
        return f"terraform is not on PATH: install {wanted} ({TERRAFORM_INSTALL})"
    version = version_of([terraform, "version", "-json"], r'"terraform_version":\s*"(\d+)\.(\d+)')
    if version is None:  # releases before 0.13 have no -json
        version = version_of([terraform, "version"], r"Terraform v(\d+)\.(\d+)")
    if version is None:
        return f"{terraform} version did not answer with a version: install {wanted} ({TERRAFORM_INSTALL})"
    if version < MINIMUM_TERRAFORM:
        found = f"Terraform {version[0]}.{version[1]}"
        return f"{terraform} is {found}; this project needs {wanted} for S3 native state locking ({TERRAFORM_INSTALL})"
    return None


def npm_problem() -> str | None:
    if shutil.which("npm"):
        return None
    return f"npm is not on PATH: the cdktf CLI is installed with `npm ci`; install Node.js {MINIMUM_NODE_MAJOR} or newer ({NODE_INSTALL})"


CHECKS: dict[str, Callable[[], str | None]] = {
    "python": python_problem,
    "packages": packages_problem,
    "node": node_problem,
    "terraform": terraform_problem,
    "npm": npm_problem,
}


def problems(names: Iterable[str], retry: str = "make synth ENV=dev") -> list[str]:
    """One line per unmet requirement, in the order asked. Missing packages make the later checks moot."""
    found = []
    for name in names:
        problem = packages_problem(retry) if name == "packages" else CHECKS[name]()
        if problem:
            found.append(problem)
            if name == "packages":
                break
    return found


def exit_if_unmet(names: Iterable[str], retry: str = "make synth ENV=dev") -> None:
    found = problems(names, retry)
    if found:
        console.error(*found)
        sys.exit(2)


if __name__ == "__main__":
    unknown = [name for name in sys.argv[1:] if name not in CHECKS]
    if unknown:
        console.error(f"unknown requirement {', '.join(unknown)}; known: {', '.join(CHECKS)}")
        sys.exit(2)
    exit_if_unmet(sys.argv[1:])
