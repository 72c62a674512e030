"""Names of the deploy runner (eks_platform/deploy_runner.py), shared with `make deploy-workloads`.

Deterministic from the cluster name (and the account, for the bucket), so the deploy script
finds the runner without reading the platform's state or loading the AWS provider bindings.
"""

from __future__ import annotations

# The one object the runner's project builds from; `make deploy-workloads` overwrites it each time.
SOURCE_KEY = "workloads.zip"


def runner_name(cluster_name: str) -> str:
    return f"{cluster_name}-deploy-workloads"


def source_bucket_name(cluster_name: str, account_id: str) -> str:
    return f"{cluster_name}-deploy-source-{account_id}"
