"""What a protected environment keeps when a plan would delete it: the resource types that hold data.

A rename of a logical id, a change that forces replacement, or a `destroy` deletes a resource;
for these types that loses what cannot be recreated (images, audit logs, secret values, the keys
that decrypt them, access logs, the cluster's own state in etcd). In a protected environment each
carries `lifecycle.prevent_destroy`, so Terraform refuses such a plan, and scripts/plan_guard.py
names every one a plan would delete or replace. docs/operations.md says how to tear one down on purpose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # plan_guard reads this without starting jsii
    from cdktf import TerraformResource

# Terraform resource type -> what is lost with it.
GUARDED_TYPES: dict[str, str] = {
    "aws_ecr_repository": "the repository's images (a Fargate pod pulls its image at every start)",
    "aws_cloudwatch_log_group": "logs kept for audit (control plane, workloads, flow logs)",
    "aws_secretsmanager_secret": "the secret's value, set outside Terraform",
    "aws_kms_key": "every log, image and secret encrypted with the key",
    "aws_s3_bucket": "the load balancers' access logs",
    "aws_eks_cluster": "the cluster's state (every Kubernetes object in etcd) and its OIDC issuer, which every IRSA role trusts",
}


def keep(resource: TerraformResource, *, protected: bool) -> None:
    """`prevent_destroy` on a resource of a guarded type, in a protected environment only."""
    if resource.terraform_resource_type not in GUARDED_TYPES:
        raise ValueError(f"{resource.terraform_resource_type} is not a guarded type; add it to GUARDED_TYPES with what it holds")
    if protected:
        resource.add_override("lifecycle.prevent_destroy", True)
