"""Endpoint policies: a data perimeter on the VPC's endpoints, so pods cannot carry data out through them.

An endpoint without a policy allows any principal on any resource (AWS's default policy), so a pod
holding another account's credentials could, for example, write to that account's bucket through
the S3 gateway: the security groups let the traffic through, and IAM is that other account's.
Each endpoint here allows only what the platform and its services do (facts with their sources in
eks_platform/data/endpoint_policy_facts.json, which the tests compare against):

- **this account's principals on this account's resources** (`aws:PrincipalAccount`,
  `aws:ResourceAccount`): the account-level form of the identity and resource perimeter in AWS's
  data-perimeter examples (aws-samples/data-perimeter-policy-examples, default_endpoint_policy.json,
  "AllowRequestsByOrgsIdentitiesToOrgsResources", which uses the organization-level keys; we know
  the account, not an organization). Their service guidance lists no additional consideration for
  either perimeter on the endpoints of Logs, Secrets Manager, DynamoDB, SQS and SNS;
- **AWS service principals** (`aws:PrincipalIsAWSService`), as in every one of those examples
  ("AllowRequestsByAWSServicePrincipals"): a pod cannot act as one;
- **ECR** (api and dkr): the identity perimeter only. The add-on images (CoreDNS) live in ECR
  repositories of AWS accounts that vary by region (service_owned_resources.md), so a resource
  perimeter would need that per-region list: left open, a limit in docs/security.md;
- **S3**: also ECR's image layers, `s3:GetObject` on `prod-<region>-starport-layer-bucket/*` for any
  principal, because the download URL is presigned by an ECR account, not ours (ECR User Guide,
  vpc-endpoints.html, "Minimum Amazon S3 bucket permissions"; service_owned_resources.md); and the
  Terraform state bucket when the deploy runner uses it, which may belong to another account;
- **STS**: this account's principals (any role they assume), and `sts:AssumeRoleWithWebIdentity`
  for any caller on this account's roles only. IRSA calls it unsigned, with the pod's token, so the
  request has no principal keys (IAM User Guide, reference_sts_vpc_endpoint_policies.html,
  "federated callers"); the role it assumes is the request's resource (Service Authorization
  Reference, AWS STS: AssumeRoleWithWebIdentity, resource type `role`).
"""

from __future__ import annotations

from eks_platform.context import AwsContext
from eks_platform.policy import Condition, Statement

ANYONE = {"*": ["*"]}
# ECR's interface endpoints: the identity perimeter only (module docstring).
ECR_SERVICES = frozenset({"ecr.api", "ecr.dkr"})


def _own_principals(aws: AwsContext) -> Condition:
    return Condition("StringEquals", "aws:PrincipalAccount", [aws.account_id])


def _own_resources(aws: AwsContext) -> Condition:
    return Condition("StringEquals", "aws:ResourceAccount", [aws.account_id])


def endpoint_statements(service: str, *, aws: AwsContext, state_bucket: str | None = None) -> list[Statement]:
    """The policy of the endpoint of `service` (`s3`, `sts`, `ecr.api`, `sqs` ...) in `aws.region`."""
    statements = [
        Statement(
            sid="AwsServicePrincipals",
            actions=["*"],
            resources=["*"],
            principals=ANYONE,
            conditions=[Condition("Bool", "aws:PrincipalIsAWSService", ["true"])],
        )
    ]
    if service in ECR_SERVICES or service == "sts":
        statements.append(
            Statement(sid="OwnPrincipals", actions=["*"], resources=["*"], principals=ANYONE, conditions=[_own_principals(aws)])
        )
    else:
        statements.append(
            Statement(
                sid="OwnPrincipalsOnOwnResources",
                actions=["*"],
                resources=["*"],
                principals=ANYONE,
                conditions=[_own_principals(aws), _own_resources(aws)],
            )
        )
    if service == "sts":
        statements.append(
            Statement(
                sid="WebIdentityIntoOwnRoles",
                actions=["sts:AssumeRoleWithWebIdentity"],
                resources=[f"arn:{aws.partition}:iam::{aws.account_id}:role/*"],
                principals=ANYONE,
            )
        )
    if service == "s3":
        statements.append(
            Statement(
                sid="EcrImageLayers",
                actions=["s3:GetObject"],
                resources=[f"arn:{aws.partition}:s3:::prod-{aws.region}-starport-layer-bucket/*"],
                principals=ANYONE,
            )
        )
        if state_bucket:
            bucket = f"arn:{aws.partition}:s3:::{state_bucket}"
            statements.append(
                Statement(
                    sid="TerraformState",
                    actions=["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    resources=[bucket, f"{bucket}/*"],
                    principals=ANYONE,
                    conditions=[_own_principals(aws)],
                )
            )
    return statements
