"""The AWS Load Balancer Controller's upstream IAM policy, pinned with the controller and chart versions.

`data/alb_controller_pin.json` names the controller tag, the chart version that ships it, the
source URL at that tag and the verbatim copy of upstream's `docs/install/iam_policy.json`
(`policy_file`, unedited; `policy_sha256` is its digest). The platform grants exactly that policy.
Kept free of provider bindings: the workloads layer reads the chart version from here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
PIN_FILE = DATA_DIR / "alb_controller_pin.json"


def policy_path() -> Path:
    return DATA_DIR / json.loads(PIN_FILE.read_text())["policy_file"]


def pinned() -> dict:
    """The pin ({"controller_version", "chart_version", "source", ...}) with the upstream "policy" document."""
    pin = json.loads(PIN_FILE.read_text())
    raw = policy_path().read_bytes()
    if hashlib.sha256(raw).hexdigest() != pin["policy_sha256"]:
        raise ValueError(f"{policy_path().name} differs from the upstream copy recorded in {PIN_FILE.name} (policy_sha256)")
    return {**pin, "policy": json.loads(raw)}
