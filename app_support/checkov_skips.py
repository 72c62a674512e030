"""checkov suppressions written next to the resource they apply to, with the reason.

The synthesized JSON carries them as a Terraform comment (`"//"`, which Terraform ignores)
under `//.checkov`, in checkov's own inline syntax: `checkov:skip=<ID>: <reason>`. checkov reads that syntax in
HCL and Kubernetes manifests; its terraform_json runner does not read suppressions at all
(3.3.30 scans every block with an empty skip list), so scripts/policy_gate.py applies these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the gate reads synthesized JSON and must not start jsii
    from cdktf import TerraformElement

COMMENT_KEY = "//"  # cdktf keeps its own metadata there too; ours goes under "checkov"
FIELD = "checkov"
DIRECTIVE = re.compile(r"checkov:skip=([A-Z0-9_]+):\s*([^;]+)")


def skip_checks(element: TerraformElement, reasons: Mapping[str, str]) -> None:
    """Suppress each check id in `reasons` for `element`; a reason is required."""
    for check_id, reason in reasons.items():
        if not reason.strip():
            raise ValueError(f"a checkov skip of {check_id} needs a reason")
    from cdktf import TerraformStack

    stack = TerraformStack.of(element)
    if not hasattr(stack, "suppress"):
        raise TypeError(f"{element.node.path}: checkov suppressions need a ReadableStack")
    stack.suppress(element, "; ".join(f"checkov:skip={check_id}: {reason}" for check_id, reason in reasons.items()))


def skips_in(block: Mapping[str, object]) -> dict[str, str]:
    """The suppressions written in a synthesized block: check id -> reason."""
    comment = (block.get(COMMENT_KEY) or {}).get(FIELD)
    return {check_id: reason.strip() for check_id, reason in DIRECTIVE.findall(comment)} if isinstance(comment, str) else {}


_NO_CPU_LIMIT = "No CPU limit on purpose; Fargate sizes the pod from requests and a CPU limit only adds throttling"
_NO_NETWORK_POLICY = "Fargate pods cannot enforce NetworkPolicy (no network policy agent on Fargate) (docs/security.md)"
# The third-party charts' Deployments, by chart: what checkov flags that we keep, and why. The workloads stack
# sets these as the Deployment's `checkov.io/skipN` annotations through each chart's own annotations value.
THIRD_PARTY_SKIPS: dict[str, dict[str, str]] = {
    "aws-load-balancer-controller": {
        "CKV_K8S_11": _NO_CPU_LIMIT,
        "CKV_K8S_38": "The controller watches Ingresses, Services and endpoints through the API server with its token",
        "CKV_K8S_43": "Pinned by release tag; upstream publishes no digest for the image (docs/upstream.md)",
        "CKV2_K8S_6": _NO_NETWORK_POLICY,
    },
    "metrics-server": {
        "CKV_K8S_11": _NO_CPU_LIMIT,
        "CKV_K8S_38": "metrics-server serves the metrics API and reads nodes and pods through the API server with its token",
        "CKV2_K8S_6": _NO_NETWORK_POLICY,
    },
    "kube-state-metrics": {
        "CKV_K8S_11": _NO_CPU_LIMIT,
        "CKV_K8S_38": "kube-state-metrics lists and watches pods and HPAs through the API server with its token",
        "CKV2_K8S_6": _NO_NETWORK_POLICY,
    },
}


def skip_annotations(chart: str) -> dict[str, str]:
    """checkov's own Kubernetes suppression annotations for a third-party chart's Deployment."""
    return {f"checkov.io/skip{n}": f"{check_id}={reason}" for n, (check_id, reason) in enumerate(THIRD_PARTY_SKIPS[chart].items(), start=1)}
