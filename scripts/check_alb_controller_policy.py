"""Compares the controller's permissions with upstream's IAM policy at the pinned tag.

Reads upstream's docs/install/iam_policy.json at the pinned controller tag (`source` in
eks_platform/data/alb_controller_pin.json, downloaded; or `--file PATH`, a copy taken from a
checkout of kubernetes-sigs/aws-load-balancer-controller at that tag) and checks the digests the
pin records, then the statements of eks_platform/data/alb_controller_permissions.yaml one by one.
The tests already check that the platform grants those statements exactly and that they have the
recorded canonical digest; this script checks the record is still upstream's.
Exit status 0 when they match, 1 when they differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from pathlib import Path

from eks_platform.alb_controller_policy import canonical_digest, pinned


def normalized(document: dict) -> list[str]:
    return sorted(json.dumps(statement, sort_keys=True) for statement in document["Statement"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="upstream's iam_policy.json at the pinned tag, instead of downloading it")
    arguments = parser.parse_args(argv)
    data = pinned()
    if arguments.file:
        raw = arguments.file.read_bytes()
    else:
        with urllib.request.urlopen(data["source"], timeout=30) as response:
            raw = response.read()
    upstream = json.loads(raw)
    problems = []
    if hashlib.sha256(raw).hexdigest() != data["upstream_policy_sha256"]:
        problems.append("upstream's file is not the one recorded (upstream_policy_sha256)")
    if canonical_digest(upstream) != data["upstream_policy_canonical_sha256"]:
        problems.append("upstream's document is not the one recorded (upstream_policy_canonical_sha256)")
    for line in sorted(set(normalized(upstream)) ^ set(normalized(data["policy"]))):
        problems.append(f"{'upstream only' if line in normalized(upstream) else 'ours only    '}: {line}")
    if not problems:
        print(f"the controller's permissions are upstream's {data['controller_version']} policy ({data['source']})")
        return 0
    print(f"the controller's permissions differ from {data['source']}:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
