"""The AWS Load Balancer Controller's published IAM policy, pinned with the chart version it belongs to.

Kept free of provider bindings: the workloads layer reads the chart version from here.
"""

from __future__ import annotations

import json
from pathlib import Path

POLICY_FILE = Path(__file__).with_name("data") / "alb_controller_iam_policy.json"


def pinned() -> dict:
    """{"controller_version", "chart_version", "source", "note", "policy"} from the data file."""
    return json.loads(POLICY_FILE.read_text())
