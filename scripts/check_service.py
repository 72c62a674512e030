"""`make check-service NAME=<service> [ENV=<environment>]`: a service team's inner loop.

Checks one service's files the way the synth does, without the synth: every environment file
and service.yaml validated as a whole (names, permissions, claims across services), the
Ingress placements across services (shared load balancers, routes, quotas), then this service's
values merged, checked against the chart's schema and rendered by the Helm engine. No jsii,
no node, no Terraform: well under a second (bench/run.py measures it). Without ENV, every
environment; errors are the synth's one line (file, field, rule), exit 2.

    python -m scripts.check_service NAME [ENVIRONMENT] [--show]
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from app_support import console
from config.loader import SERVICES_DIR, ConfigError, display_path, environment_names, load_environment
from scripts import cli
from workloads.service_chart import check_services


def check_service(name: str, environment: str, services_dir: Path = SERVICES_DIR) -> dict[str, str]:
    """The service's rendered manifests in `environment`, or ConfigError as the synth would raise it."""
    config = load_environment(environment, services_dir=services_dir)  # every service.yaml too: a claim another service holds is found here
    if name not in config.services:
        known = ", ".join(config.services) or "none"
        raise ConfigError(f"{display_path(services_dir / name)}: no such service (services: {known}; make new-service NAME={name})")
    return check_services(config, [name], services_dir).manifests[name]  # as in the synth: placements across services too


def kinds(manifests: dict[str, str]) -> list[str]:
    return sorted({doc["kind"] for text in manifests.values() for doc in yaml.safe_load_all(text) if isinstance(doc, dict)})


@cli.refusals_exit_2
def main(argv: list[str]) -> int:
    arguments = [arg for arg in argv[1:] if arg != "--show"]
    if len(arguments) not in (1, 2):
        console.error("usage: make check-service NAME=<service> [ENV=<environment>] [SHOW=1]")
        return 2
    name = arguments[0]
    environments = arguments[1:] or environment_names()
    rendered = {environment: check_service(name, environment) for environment in environments}
    if "--show" in argv:
        for environment, manifests in rendered.items():
            for template, text in sorted(manifests.items()):
                if text.strip():
                    console.info(f"# {environment}: {template}\n{text.strip()}\n---")
    shown = ", ".join(kinds(next(iter(rendered.values()))))
    console.info(f"{name}: values valid and chart rendered in {', '.join(environments)} ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
