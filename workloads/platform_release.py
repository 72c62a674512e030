"""A Helm release the platform owns (the controller, metrics-server, Container Insights).

Each waits until its pods are ready, so what depends on it (a service's Ingress, an HPA) starts
only then, and gives up after ten minutes (Fargate schedules each pod on a new micro-VM).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cdktf_cdktf_provider_helm.release import Release, ReleaseSet
from constructs import Construct

READY_TIMEOUT_SECONDS = 600
NOBODY = 65534  # a high UID and GID, none of the host's users (checkov CKV_K8S_40), for charts that default to a low one


def restricted_pod_security_context(**ids: int) -> dict[str, Any]:
    """Pod Security "restricted" for a release's pods: non-root, the runtime's seccomp profile; `ids` (runAsUser,
    runAsGroup, fsGroup) where the chart's defaults need replacing. Keys keep one order, so values never churn."""
    return {"runAsNonRoot": True, **ids, "seccompProfile": {"type": "RuntimeDefault"}}


def restricted_container_security_context(**ids: int) -> dict[str, Any]:
    """Pod Security "restricted" for a container, with a read-only root file system; `ids` as for the pod."""
    return {
        "runAsNonRoot": True,
        **ids,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def platform_release(
    scope: Construct,
    id_: str,
    *,
    name: str,
    namespace: str,
    chart: str,
    values: Mapping[str, Any],
    repository: str | None = None,
    version: str | None = None,
    settings: Mapping[str, str] | None = None,
    depends_on: Sequence[Any] = (),
) -> Release:
    """`chart` is a chart name in `repository` at `version`, or a path to one of this repository's charts.
    `settings` are values known only at apply (from the platform's state), passed as `set` entries."""
    return Release(
        scope,
        id_,
        name=name,
        namespace=namespace,
        repository=repository,
        chart=chart,
        version=version,
        values=[json.dumps(dict(values), indent=2)],
        set=[ReleaseSet(name=key, value=value) for key, value in (settings or {}).items()] or None,
        wait=True,
        timeout=READY_TIMEOUT_SECONDS,
        depends_on=list(depends_on) or None,
    )
