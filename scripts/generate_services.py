"""Writes N services into a services directory, as data only: what onboarding a service means.

Used by the scaling test (tests/workloads/test_scale.py), the bad-input corpus's `generate`
key and `make bench ARGS=--scale`. Each service is a copy of the shipped `payment` service's
values with its own name, namespace, repository, permissions and Ingress path; in prod its
Ingress is internet-facing with the same certificate and WAF ACL as the shipped services, so
all of them share one load balancer per scheme.

    python -m scripts.generate_services DIR COUNT
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from config.loader import SERVICES_DIR, deep_merge

TEMPLATE = SERVICES_DIR / "payment"


def service_name(index: int) -> str:
    return f"svc-{index:03d}"


def write_services(services_dir: Path, count: int, *, ingress: Mapping[str, Any] | None = None, start: int = 1) -> list[str]:
    """Adds `count` services (svc-001, ...) to `services_dir`; `ingress` is merged into each one's base values."""
    names = []
    for index in range(start, start + count):
        name = service_name(index)
        folder = services_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        service = {
            "namespace": name,
            "service_account": f"{name}-api",
            "repository": name,
            "permissions": {"dynamodb_tables": [f"{name}-items"], "sqs_queues": [f"{name}-events"]},
        }
        (folder / "service.yaml").write_text(yaml.safe_dump(service))
        for template in sorted(TEMPLATE.glob("values*.yaml")):
            values = yaml.safe_load(template.read_text()) or {}
            if isinstance(values.get("ingress"), dict):
                values["ingress"]["path"] = f"/{name}"
            if template.name == "values.yaml" and ingress:
                values = deep_merge(values, {"ingress": dict(ingress)})
            (folder / template.name).write_text(yaml.safe_dump(values))
        names.append(name)
    return names


if __name__ == "__main__":
    print(" ".join(write_services(Path(sys.argv[1]), int(sys.argv[2]))))
