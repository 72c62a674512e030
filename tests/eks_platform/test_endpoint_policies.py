"""docs/security.md, "Private AWS traffic": every endpoint's policy is a data perimeter. Each policy is
read from the synthesized JSON and evaluated here on requests a pod could send: another account's
credentials, this account's credentials on another account's resource, ECR's image layers, IRSA's
web identity call. The keys, the layer bucket and what a federated call lacks come from AWS
(eks_platform/data/endpoint_policy_facts.json), not from eks_platform/endpoint_policies.py."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from tests.conftest import REPO_ROOT, Synthesized

FACTS = json.loads((REPO_ROOT / "eks_platform" / "data" / "endpoint_policy_facts.json").read_text())
PRINCIPAL_KEY = FACTS["identity_perimeter_key"]["value"]
RESOURCE_KEY = FACTS["resource_perimeter_key"]["value"]
SERVICE_KEY = FACTS["service_principals"]["variable"]
OURS, THEIRS = "111111111111", "999999999999"  # stand-ins: our account (the caller identity) and anyone else's
ECR_ACCOUNT = "602401143452"  # an AWS account holding EKS add-on images (us-east-1 and most regions)


def policy(env: Synthesized, endpoint: str) -> list[dict[str, Any]]:
    """The endpoint's statements, with the partition and our account id in place of their references."""
    reference = env.resources("platform", "aws_vpc_endpoint")[endpoint]["policy"]
    (name,) = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}", reference).groups()
    text = json.dumps(env.data("platform", "aws_iam_policy_document")[name]["statement"])
    text = re.sub(r"\$\{data\.aws_partition\.[\w.]+\}", "aws", text)
    return json.loads(re.sub(r"\$\{data\.aws_caller_identity\.[\w.]+\.account_id\}", OURS, text))


def allows(statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, str]) -> bool:
    """IAM's evaluation of an Allow-only policy: a key missing from the request context fails its condition."""

    def matches(statement: dict[str, Any]) -> bool:
        conditions = statement.get("condition", [])
        assert {c["test"] for c in conditions} <= {"StringEquals", "Bool"}, conditions  # all this evaluator knows
        return (
            statement["effect"] == "Allow"
            and any(fnmatch.fnmatchcase(action, pattern) for pattern in statement["actions"])
            and any(fnmatch.fnmatchcase(resource, pattern) for pattern in statement["resources"])
            and all(context.get(c["variable"]) in c["values"] for c in conditions)
            and statement["principals"] == [{"type": "*", "identifiers": ["*"]}]
        )

    return any(matches(statement) for statement in statements)


def signed(principal: str, resource: str | None = None) -> dict[str, str]:
    """A SigV4 request by a principal of `principal`'s account, on a resource of `resource`'s."""
    return {PRINCIPAL_KEY: principal, RESOURCE_KEY: resource or principal, SERVICE_KEY: "false"}


def endpoints(env: Synthesized) -> dict[str, str]:
    """Logical id -> endpoint service suffix (`s3`, `ecr.dkr` ...)."""
    region = env.config.region
    return {
        name: endpoint["service_name"].removeprefix(f"com.amazonaws.{region}.")
        for name, endpoint in env.resources("platform", "aws_vpc_endpoint").items()
    }


def test_every_endpoint_carries_a_policy(env: Synthesized) -> None:
    found = endpoints(env)
    assert {"s3", "sts", "ecr.api", "ecr.dkr", "logs", "secretsmanager"} <= set(found.values())
    for name in found:
        assert policy(env, name), name


def test_every_statement_allowing_every_action_is_bounded_by_account_or_service(env: Synthesized) -> None:
    """tests/eks_platform/test_iam.py leaves these documents to this file: "*" is allowed only under a condition."""
    for name in endpoints(env):
        for statement in policy(env, name):
            if "*" in statement["actions"]:
                assert {c["variable"] for c in statement["condition"]} & {PRINCIPAL_KEY, SERVICE_KEY}, (name, statement["sid"])


def test_no_endpoint_admits_another_accounts_credentials(env: Synthesized) -> None:
    """The data path docs/security.md named: a pod holding another account's keys, on that account's resources."""
    for name, service in endpoints(env).items():
        action = f"{service.split('.')[0]}:PutObject"
        assert not allows(policy(env, name), action, f"arn:aws:{service}:::theirs/data", signed(THEIRS)), name
        assert allows(policy(env, name), action, f"arn:aws:{service}:::ours/data", signed(OURS)), name


def test_this_accounts_credentials_reach_no_other_accounts_resource_except_through_ecr_and_sts(env: Synthesized) -> None:
    """ECR's add-on images are in AWS accounts that vary by region (facts: ecr_service_owned_repositories),
    and STS's own principals may assume any role: those two keep the identity perimeter only."""
    open_to_other_resources = {"ecr.api", "ecr.dkr", "sts"}
    assert FACTS["ecr_service_owned_repositories"]["account_varies_by_region"]
    for name, service in endpoints(env).items():
        allowed = allows(policy(env, name), f"{service.split('.')[0]}:PutObject", "arn:aws:s3:::theirs/x", signed(OURS, THEIRS))
        assert allowed == (service in open_to_other_resources), name


def test_s3_refuses_a_bucket_of_another_account_and_keeps_ecrs_image_layers(env: Synthesized) -> None:
    (s3,) = [name for name, service in endpoints(env).items() if service == "s3"]
    statements = policy(env, s3)
    layers = FACTS["ecr_image_layers"]
    layer = layers["resource"].replace("<region>", env.config.region).replace("*", "sha256/abc")
    # The layer URL is presigned by an ECR account: neither its principal nor its bucket is ours.
    assert layers["any_principal"]
    assert allows(statements, layers["action"], layer, signed(ECR_ACCOUNT))
    assert not allows(statements, "s3:PutObject", layer, signed(ECR_ACCOUNT))
    other_region = layers["resource"].replace("<region>", "xx-other-1").replace("*", "sha256/abc")
    assert not allows(statements, layers["action"], other_region, signed(ECR_ACCOUNT))
    assert not allows(statements, "s3:PutObject", "arn:aws:s3:::exfiltration/payments.csv", signed(OURS, THEIRS))
    assert allows(statements, "s3:PutObject", "arn:aws:s3:::our-data/payments.csv", signed(OURS))


def test_the_deploy_runner_reaches_its_state_bucket_with_our_credentials_only(env: Synthesized) -> None:
    """The state bucket may belong to another account; the runner (private API endpoint) uses it through S3's gateway."""
    from config.model import S3Backend

    (s3,) = [name for name, service in endpoints(env).items() if service == "s3"]
    backend = env.config.backend
    if env.config.endpoint.public or not isinstance(backend, S3Backend):
        return
    state = f"arn:aws:s3:::{backend.bucket}/platform.tfstate"
    assert allows(policy(env, s3), "s3:PutObject", state, signed(OURS, THEIRS))
    assert not allows(policy(env, s3), "s3:PutObject", state, signed(THEIRS))


def test_sts_keeps_irsa_and_refuses_another_accounts_credentials(env: Synthesized) -> None:
    """IRSA's AssumeRoleWithWebIdentity is unsigned: the request carries no principal keys
    (facts: sts_federated_callers_have_no_principal_keys), so only the role it names can limit it."""
    (sts,) = [name for name, service in endpoints(env).items() if service == "sts"]
    statements = policy(env, sts)
    federated = FACTS["sts_federated_callers_have_no_principal_keys"]
    assert "sts:AssumeRoleWithWebIdentity" in federated["actions"]
    unsigned = {key: value for key, value in signed(OURS).items() if key not in federated["absent_keys"]}
    role = FACTS["sts_web_identity_resource"]["resource"].replace("<account>", OURS).replace("*", "payment-irsa")
    assert allows(statements, "sts:AssumeRoleWithWebIdentity", role, unsigned)
    assert not allows(statements, "sts:AssumeRoleWithWebIdentity", role.replace(OURS, THEIRS), unsigned)
    assert not allows(statements, "sts:GetCallerIdentity", "*", unsigned)
    assert allows(statements, "sts:GetCallerIdentity", "*", signed(OURS))
    assert not allows(statements, "sts:GetCallerIdentity", "*", signed(THEIRS))


def test_ecr_keeps_add_on_images_for_our_principals_only(env: Synthesized) -> None:
    for name, service in endpoints(env).items():
        if service in {"ecr.api", "ecr.dkr"}:
            image = f"arn:aws:ecr:{env.config.region}:{ECR_ACCOUNT}:repository/eks/coredns"
            assert allows(policy(env, name), "ecr:BatchGetImage", image, signed(OURS, ECR_ACCOUNT)), name
            assert not allows(policy(env, name), "ecr:BatchGetImage", image, signed(THEIRS, ECR_ACCOUNT)), name


def test_aws_service_principals_pass_as_in_awss_examples(env: Synthesized) -> None:
    service_call = {SERVICE_KEY: FACTS["service_principals"]["value"]}
    for name in endpoints(env):
        assert allows(policy(env, name), "logs:PutLogEvents", "arn:aws:logs:::x", service_call), name
