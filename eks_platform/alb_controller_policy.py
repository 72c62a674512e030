"""The AWS Load Balancer Controller's IAM policy, pinned with the controller version it was published for.

`data/alb_controller_permissions.yaml` holds the policy's statements, one per job, each saying
what it is for. `data/alb_controller_pin.json` names the controller tag, the commit, and the
digest of upstream's `docs/install/iam_policy.json` at that tag in canonical JSON: the statements
are granted only if they are exactly upstream's, so the platform grants neither more nor less
than the controller's authors ask for. The chart that ships the controller is pinned in
charts/third_party.lock.json; workloads/alb_controller.py refuses a lock whose controller image is
another release. Kept free of provider bindings.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")
PIN_FILE = DATA_DIR / "alb_controller_pin.json"


def canonical_digest(document: dict[str, Any]) -> str:
    """SHA-256 of a policy document as sorted, compact JSON: equal for equal documents however they are written."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def policy_document(permissions: dict[str, Any]) -> dict[str, Any]:
    """The IAM policy document the permissions file describes (each statement without its `why`)."""
    statements = [{key: value for key, value in statement.items() if key != "why"} for statement in permissions["statements"].values()]
    return {"Version": permissions["version"], "Statement": statements}


def pinned() -> dict[str, Any]:
    """The pin ({"controller_version", "source", ...}) with the "policy" document to grant."""
    pin = json.loads(PIN_FILE.read_text())
    permissions_file = DATA_DIR / pin["permissions_file"]
    document = policy_document(yaml.safe_load(permissions_file.read_text()))
    if canonical_digest(document) != pin["upstream_policy_canonical_sha256"]:
        raise ValueError(
            f"{permissions_file.name} is not upstream's {pin['controller_version']} policy "
            f"(upstream_policy_canonical_sha256 in {PIN_FILE.name}); grant exactly what the controller's authors publish"
        )
    return {**pin, "policy": document}
