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
