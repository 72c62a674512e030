"""The order `terraform apply` creates the platform in, on a fresh account.

Terraform creates two resources at once unless one names the other (a `${type.name.attr}`
reference) or lists it in `depends_on`. Moto answers out of order; AWS does not:

- every EKS API that takes a cluster name in its path (CreateAccessEntry, AssociateAccessPolicy,
  CreateFargateProfile, CreateAddon: `POST /clusters/name/...`) answers ResourceNotFoundException
  for a cluster that does not exist yet (Amazon EKS API Reference, CreateAccessEntry "Errors",
  https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html), and the
  emulator leaves the access API out, so only this test sees the order;
- CodeBuild's CreateProject with a VPC config checks the service role's ec2:Describe* permissions
  and answers "InvalidInputException: Not authorized to perform DescribeSecurityGroups" while they
  are missing (hashicorp/terraform-provider-aws, internal/service/codebuild/project.go as stored at
  commit 00a35305dc1b297a6fcdecdfbba33f1e63c3da39, not the v5.100.0 tag, which the snapshot limit
  kept out of reach: it retries "ot authorized to perform" only for `propagationTimeout`; issue
  hashicorp/terraform-provider-aws#37049).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from tests.conftest import Synthesized

REFERENCE = re.compile(r"\$\{[^}]*?(?<!data\.)\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")
# The EKS resources whose Create call names the cluster in its request path.
CLUSTER_SCOPED = ("aws_eks_access_entry", "aws_eks_access_policy_association", "aws_eks_fargate_profile", "aws_eks_addon")
CLUSTER = "aws_eks_cluster.eks_cluster"


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def direct_dependencies(platform: dict[str, Any]) -> dict[str, set[str]]:
    """Each resource's address -> the resources it references or lists in depends_on (data sources
    are read before any create, so only their own references count, folded in here)."""
    data_refs: dict[str, set[str]] = {}
    for kind, blocks in platform.get("data", {}).items():
        for name, block in blocks.items():
            data_refs[f"data.{kind}.{name}"] = {f"{t}.{n}" for s in strings(block) for t, n in REFERENCE.findall(s)}
    graph: dict[str, set[str]] = {}
    for kind, blocks in platform["resource"].items():
        for name, block in blocks.items():
            body = {key: value for key, value in block.items() if key not in ("//", "depends_on", "lifecycle")}
            found = {f"{t}.{n}" for s in strings(body) for t, n in REFERENCE.findall(s)}
            found |= {d for d in block.get("depends_on", []) if d.startswith("aws_")}
            for text in strings(body):
                for data in re.findall(r"\$\{[^}]*?\b(data\.aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)", text):
                    found |= data_refs.get(data, set())
            graph[f"{kind}.{name}"] = found
    return graph


def waits_for(graph: dict[str, set[str]], address: str) -> set[str]:
    seen: set[str] = set()
    stack = list(graph[address])
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.get(current, ()))
    return seen


def test_every_cluster_scoped_eks_resource_waits_for_the_cluster(env: Synthesized) -> None:
    graph = direct_dependencies(env.platform)
    scoped = [address for address in graph if address.split(".")[0] in CLUSTER_SCOPED]
    early = sorted(address for address in scoped if CLUSTER not in waits_for(graph, address))
    assert not early, f"created before the cluster exists (ResourceNotFoundException on AWS): {early}"


def test_prod_runner_access_entry_waits_for_the_cluster(synthesized: dict[str, Synthesized]) -> None:
    """Prod's API endpoint is private, so it has a deploy runner with its own access entry."""
    graph = direct_dependencies(synthesized["prod"].platform)
    assert CLUSTER in waits_for(graph, "aws_eks_access_entry.deploy_runner_access_entry")
    assert CLUSTER in waits_for(graph, "aws_eks_access_policy_association.deploy_runner_access_cluster_admin")


def test_the_runner_project_waits_for_its_role_policy(synthesized: dict[str, Synthesized]) -> None:
    graph = direct_dependencies(synthesized["prod"].platform)
    assert "aws_iam_role_policy.deploy_runner_policy" in waits_for(graph, "aws_codebuild_project.deploy_runner_project")


def test_load_balancer_alarms_wait_for_the_telemetry_tags_setting(env: Synthesized) -> None:
    """Their Metrics Insights queries filter on `tag.<key>`, which CloudWatch offers once resource tags
    for telemetry are on (CloudWatch User Guide, resource-tags-for-telemetry.html); where the stack
    turns that setting on, a fresh account gets the setting first."""
    stacks = env.resources("platform", "aws_cloudformation_stack")
    alarms = {name: a for name, a in env.resources("platform", "aws_cloudwatch_metric_alarm").items() if "tag." in json.dumps(a)}
    assert alarms
    graph = direct_dependencies(env.platform)
    for name in alarms:
        waited = {
            address for address in waits_for(graph, f"aws_cloudwatch_metric_alarm.{name}") if address.startswith("aws_cloudformation")
        }
        assert waited == {f"aws_cloudformation_stack.{stack}" for stack in stacks}, name
