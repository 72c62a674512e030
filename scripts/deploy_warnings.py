"""`make warnings ENV=<env>`: everything the synth warns about before a real deploy, in full.

A synth counts the example values in one line; this lists each (file, field, value), with the
Kubernetes version's support warning and the Elastic IP quota note. `make preflight` runs it
first, and the cdktf CLI's deploy prints the same lines. No jsii, no Helm: well under a second.

    python -m scripts.deploy_warnings ENVIRONMENT
"""

from __future__ import annotations

import datetime as dt
import sys

from app_support import console
from config.eks_versions import creation_error, support_warning
from config.examples import elastic_ip_warnings, synth_warnings
from config.loader import ConfigError, load_all_environments
from scripts import cli


def deploy_warnings(environment: str, today: dt.date) -> list[str]:
    """Every warning a deployer of `environment` must read, in the order the synth prints them."""
    configs = load_all_environments()
    if environment not in configs:
        raise ConfigError(f"unknown environment {environment!r}: choose one of {', '.join(configs)} (files in config/environments/)")
    config = configs[environment]
    file = f"config/environments/{environment}.yaml"
    version = [
        line
        for line in (creation_error(config.kubernetes_version, today, config_file=file), support_warning(config.kubernetes_version, today))
        if line
    ]
    return [*version, *synth_warnings(config, in_full=True), *elastic_ip_warnings(configs, involving=environment)]


@cli.refusals_exit_2
def main(argv: list[str]) -> int:
    if len(argv) != 2:
        console.error("usage: make warnings ENV=<environment>")
        return 2
    lines = deploy_warnings(argv[1], dt.date.today())
    for line in lines:
        console.warning(line)
    console.info(f"{argv[1]}: {len(lines) or 'no'} warning{'' if len(lines) == 1 else 's'} to read before deploying to AWS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
