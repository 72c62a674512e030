"""The real-cluster isolation check (tests/integration/test_cluster.py::test_a_service_reaches_another_only_where_declared)
starts a probe pod in each service namespace. Only a cluster runs it, but whether such a pod can run
at all is known from the synthesized platform: a Fargate profile must select it (or it stays
Pending and the check proves nothing), and its image must come through the pull-through cache the
pod execution role may import into (the namespace's security groups open no internet path)."""

from __future__ import annotations

import fnmatch

from tests.conftest import Synthesized
from tests.integration.test_cluster import probe_pod


def selected_by(profile: dict, namespace: str, labels: dict[str, str]) -> bool:
    """EKS selectors: the namespace (with * and ? wildcards) and every label of the selector."""
    for selector in profile["selector"]:
        if fnmatch.fnmatchcase(namespace, selector["namespace"]) and selector.get("labels", {}).items() <= labels.items():
            return True
    return False


def test_the_isolation_probe_is_scheduled_on_fargate_and_pulls_through_the_cache(env: Synthesized) -> None:
    mirror = "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + env.platform["output"]["public_ecr_mirror"]["value"].rsplit("/", 1)[1]
    pod = probe_pod("probe-x", "10.0.0.1", 8080, mirror)
    profiles = env.resources("platform", "aws_eks_fargate_profile")
    for spec in env.config.services.values():
        assert any(selected_by(p, spec.namespace, pod["metadata"]["labels"]) for p in profiles.values()), spec.namespace
    (container,) = pod["spec"]["containers"]
    prefix = mirror.rsplit("/", 1)[1]
    assert container["image"].startswith(f"{mirror}/")
    policies = env.data("platform", "aws_iam_policy_document")
    imports = [
        resource
        for document in policies.values()
        for statement in document.get("statement", [])
        if "ecr:BatchImportUpstreamImage" in statement.get("actions", [])
        for resource in statement["resources"]
    ]
    assert any(resource.endswith(f":repository/{prefix}/*") for resource in imports), imports
