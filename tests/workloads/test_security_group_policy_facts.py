"""Every SecurityGroupPolicy the workloads stack creates (one per service namespace, one for the
Container Insights namespace) against the CRD its controller defines
(workloads/data/security_group_policy_facts.json, read from aws/amazon-vpc-resource-controller-k8s):
a wrong version or key is refused by the API server at apply, and then the pods run in the
cluster security group, which is the isolation docs/security.md says they never get."""

from __future__ import annotations

import json

from tests.conftest import REPO_ROOT, Synthesized

CRD = json.loads((REPO_ROOT / "workloads" / "data" / "security_group_policy_facts.json").read_text())


def policies(env: Synthesized) -> dict[str, dict]:
    manifests = {name: m["manifest"] for name, m in env.resources("workloads", "kubernetes_manifest").items()}
    return {name: m for name, m in manifests.items() if m.get("kind") == CRD["kind"]}


def test_every_security_group_policy_matches_the_controllers_crd(env: Synthesized) -> None:
    found = policies(env)
    namespaces = {m["metadata"]["namespace"] for m in found.values()}
    assert {spec.namespace for spec in env.config.services.values()} < namespaces  # and the collector's
    for name, manifest in found.items():
        group, version = manifest["apiVersion"].split("/")
        assert group == CRD["group"] and version in CRD["versions"], name
        assert manifest["metadata"]["namespace"], f"{name}: the CRD is {CRD['scope']}"
        spec = manifest["spec"]
        assert set(spec) <= set(CRD["spec_keys"]), name
        assert set(spec["podSelector"]) <= set(CRD["selector_keys"]), name
        assert set(spec["securityGroups"]) == set(CRD["security_groups_keys"]), name
        assert CRD["group_ids_min_items"] <= len(spec["securityGroups"]["groupIds"]) <= CRD["group_ids_max_items"], name
