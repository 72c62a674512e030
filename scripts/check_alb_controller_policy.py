"""Compares the pinned AWS Load Balancer Controller IAM policy with upstream's, for its version.

Needs internet access (GitHub), which this project's build machines do not have: run it on a
workstation before relying on the policy, and whenever the controller version is bumped.
Exit status 0 when the statements match, 1 when they differ.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from eks_platform.alb_controller_policy import pinned


def normalized(document: dict) -> list[str]:
    return sorted(json.dumps(statement, sort_keys=True) for statement in document["Statement"])


def main() -> int:
    data = pinned()
    with urllib.request.urlopen(data["source"], timeout=30) as response:
        upstream = json.load(response)
    if normalized(upstream) == normalized(data["policy"]):
        print(f"the pinned policy matches upstream {data['controller_version']}")
        return 0
    print(f"the pinned policy differs from {data['source']}:", file=sys.stderr)
    for line in sorted(set(normalized(upstream)) ^ set(normalized(data["policy"]))):
        print(f"  {'upstream only' if line in normalized(upstream) else 'pinned only  '}: {line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
