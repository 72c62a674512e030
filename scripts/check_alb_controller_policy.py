"""Compares the kept copy of the AWS Load Balancer Controller IAM policy with upstream's at the pinned tag.

Downloads `source` from eks_platform/data/alb_controller_pin.json (upstream's
docs/install/iam_policy.json at the pinned controller tag) and compares it with the kept copy,
byte for byte and statement by statement. The tests already check that the platform grants the
kept copy exactly; this script checks that the copy is still upstream's. Needs GitHub access.
Exit status 0 when they match, 1 when they differ.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from eks_platform.alb_controller_policy import pinned, policy_path


def normalized(document: dict) -> list[str]:
    return sorted(json.dumps(statement, sort_keys=True) for statement in document["Statement"])


def main() -> int:
    data = pinned()
    with urllib.request.urlopen(data["source"], timeout=30) as response:
        raw = response.read()
    upstream = json.loads(raw)
    if raw == policy_path().read_bytes():
        print(f"the kept policy is upstream's {data['controller_version']} byte for byte ({data['source']})")
        return 0
    if normalized(upstream) == normalized(data["policy"]):
        version = data["controller_version"]
        print(f"the kept policy has upstream's {version} statements, but its bytes differ: copy it again", file=sys.stderr)
        return 1
    print(f"the kept policy differs from {data['source']}:", file=sys.stderr)
    for line in sorted(set(normalized(upstream)) ^ set(normalized(data["policy"]))):
        print(f"  {'upstream only' if line in normalized(upstream) else 'kept only    '}: {line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
