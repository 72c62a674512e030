"""IAM roles for service accounts: the cluster's OIDC provider and one role per service account."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from app_support.checkov_skips import skip_checks
from eks_platform.alb_controller_policy import pinned
from eks_platform.policy import Condition, Statement, policy_document, statements_from_json

STS_AUDIENCE = "sts.amazonaws.com"


class OidcProvider(Construct):
    def __init__(self, scope: Construct, id_: str, *, issuer_url: str, issuer_host_path: str) -> None:
        super().__init__(scope, id_)
        # AWS trusts the EKS issuer's certificate chain itself; no thumbprint is needed.
        self.provider = IamOpenidConnectProvider(self, "provider", url=issuer_url, client_id_list=[STS_AUDIENCE])
        self.issuer_host_path = issuer_host_path
        # Read once: every service's trust policy uses it, and each read is a jsii round trip.
        self.arn: str = self.provider.arn


class ServiceAccountRole(Construct):
    """A role exactly one Kubernetes service account can assume, with the given permissions."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        oidc: OidcProvider,
        role_name: str,
        namespace: str,
        service_account: str,
        statements: Sequence[Statement],
        skips: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        trust = policy_document(
            self,
            "trust",
            [
                Statement(
                    actions=["sts:AssumeRoleWithWebIdentity"],
                    principals={"Federated": [oidc.arn]},
                    conditions=[
                        Condition("StringEquals", f"{oidc.issuer_host_path}:sub", [f"system:serviceaccount:{namespace}:{service_account}"]),
                        Condition("StringEquals", f"{oidc.issuer_host_path}:aud", [STS_AUDIENCE]),
                    ],
                )
            ],
        )
        self.role = IamRole(self, "role", name=role_name, assume_role_policy=trust.json)
        permissions = policy_document(self, "permissions", statements)
        if skips:
            skip_checks(permissions, skips)
        IamRolePolicy(self, "policy", role=self.role.id, name="service-permissions", policy=permissions.json)

    @property
    def arn(self) -> str:
        return self.role.arn


def alb_controller_statements() -> list[Statement]:
    return statements_from_json(pinned()["policy"])


# True as written for the kept policy (checked against upstream in tests/eks_platform/test_iam.py).
# checkov separates directives with ';', so the reason has none.
_UPSTREAM = (
    "the AWS Load Balancer Controller's upstream IAM policy for the pinned tag (eks_platform/data/alb_controller_pin.json), "
    "granted verbatim and accepted as is. Its writes to load balancers, target groups and security groups the controller "
    "created are tag-conditioned, but several unconditioned '*' actions do support resource-level permissions "
    "(ec2:AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress, listener and rule changes, WAF and Shield "
    "association): the role can open ingress on any security group of the account (docs/security.md)"
)
ALB_CONTROLLER_SKIPS = {"CKV_AWS_111": _UPSTREAM, "CKV_AWS_356": _UPSTREAM}
