"""IAM rules checkov does not check: IRSA trust exactly one service account, no wildcards without reason."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import Synthesized

WILDCARDS = yaml.safe_load((Path(__file__).resolve().parents[2] / "eks_platform" / "data" / "wildcard_resource_actions.yaml").read_text())
ALLOWED_WITH_STAR = [*WILDCARDS["key_policies"], *WILDCARDS["deploy_runner_vpc"]]
# Upstream's policy, granted verbatim: compared with its recorded digest instead (below).
ALB_CONTROLLER_PERMISSIONS = "irsa_alb_controller_permissions"


def irsa_trusts(env: Synthesized) -> dict[str, dict]:
    documents = env.data("platform", "aws_iam_policy_document")
    return {
        name.removeprefix("irsa_").removesuffix("_trust"): doc
        for name, doc in documents.items()
        if name.startswith("irsa_") and name.endswith("_trust")
    }


def test_every_service_the_controller_and_the_collector_have_an_irsa_role(env: Synthesized) -> None:
    assert set(irsa_trusts(env)) == {*env.config.services, "alb_controller", "container_insights"}


def test_every_irsa_role_trusts_exactly_its_own_service_account(env: Synthesized) -> None:
    expected = {name: f"system:serviceaccount:{s.namespace}:{s.service_account}" for name, s in env.config.services.items()}
    expected["alb_controller"] = "system:serviceaccount:kube-system:aws-load-balancer-controller"
    expected["container_insights"] = "system:serviceaccount:amazon-cloudwatch:container-insights-collector"
    for name, trust in irsa_trusts(env).items():
        (statement,) = trust["statement"]
        assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
        assert statement["principals"] == [{"identifiers": ["${aws_iam_openid_connect_provider.oidc_provider.arn}"], "type": "Federated"}]
        conditions = {c["variable"].rsplit(":", 1)[1]: c for c in statement["condition"]}
        assert set(conditions) == {"sub", "aud"}
        assert all(c["test"] == "StringEquals" for c in conditions.values())
        assert conditions["sub"]["values"] == [expected[name]], name
        assert conditions["aud"]["values"] == ["sts.amazonaws.com"]
        for condition in conditions.values():
            assert condition["variable"].startswith('${replace(aws_eks_cluster.eks_cluster.identity[0].oidc[0].issuer, "https://", "")}:')


def test_oidc_provider_serves_the_sts_audience_for_the_cluster_issuer(env: Synthesized) -> None:
    (provider,) = env.resources("platform", "aws_iam_openid_connect_provider").values()
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert provider["url"] == "${aws_eks_cluster.eks_cluster.identity[0].oidc[0].issuer}"


def all_statements(env: Synthesized):
    for name, document in env.data("platform", "aws_iam_policy_document").items():
        for statement in document["statement"]:
            yield name, statement


def test_no_statement_allows_every_action(env: Synthesized) -> None:
    """Endpoint policies bound every action by account instead (tests/eks_platform/test_endpoint_policies.py)."""
    endpoint_policies = {e["policy"].split(".")[2] for e in env.resources("platform", "aws_vpc_endpoint").values()}
    for name, statement in all_statements(env):
        if name not in endpoint_policies:
            assert "*" not in statement["actions"], name


def test_wildcard_resources_only_where_listed_with_a_reason(env: Synthesized) -> None:
    for name, statement in all_statements(env):
        if name == ALB_CONTROLLER_PERMISSIONS or "*" not in statement.get("resources", []) or statement.get("condition"):
            continue
        unexplained = [a for a in statement["actions"] if not any(fnmatch.fnmatchcase(a, allowed) for allowed in ALLOWED_WITH_STAR)]
        assert not unexplained, f"{name}: Resource '*' for {unexplained}"


def test_service_policies_reach_only_their_own_resources(env: Synthesized) -> None:
    documents = env.data("platform", "aws_iam_policy_document")
    suffix = env.config.suffix
    for service, spec in env.config.services.items():
        statements = documents[f"irsa_{service}_permissions"]["statement"]
        resources = [r for s in statements for r in s.get("resources", [])]
        assert f"${{aws_secretsmanager_secret.secrets_secret_{service}.arn}}" in resources
        declared = [*spec.permissions.dynamodb_tables, *spec.permissions.sqs_queues, *spec.permissions.sns_topics]
        for name in declared:
            assert any(r.endswith(f"{name}-{suffix}") for r in resources), (service, name)
        for other, _other_spec in env.config.services.items():
            if other != service:
                assert f"${{aws_secretsmanager_secret.secrets_secret_{other}.arn}}" not in resources


def test_a_service_decrypts_with_the_shared_data_key_only_its_own_secret(env: Synthesized) -> None:
    """The platform data key encrypts every service's secret. Secrets Manager calls KMS with the
    secret's ARN in the encryption context (Secrets Manager User Guide, "Secret encryption and
    decryption", security-encryption.html; AWS's landing-zone-accelerator conditions its Secrets
    Manager key grants on `kms:EncryptionContext:SecretARN` the same way), so each service's
    kms:Decrypt names its own secret: segmentation of payment data does not rest on the
    GetSecretValue statement alone."""
    documents = env.data("platform", "aws_iam_policy_document")
    for service in env.config.services:
        statements = documents[f"irsa_{service}_permissions"]["statement"]
        decrypts = [s for s in statements if "kms:Decrypt" in s["actions"]]
        assert decrypts, service
        for statement in decrypts:
            conditions = {c["variable"]: (c["test"], c["values"]) for c in statement["condition"]}
            assert conditions["kms:EncryptionContext:SecretARN"] == (
                "StringEquals",
                [f"${{aws_secretsmanager_secret.secrets_secret_{service}.arn}}"],
            ), service
            assert conditions["kms:ViaService"][1] == [f"secretsmanager.{env.config.region}.amazonaws.com"]


def test_service_permissions_match_what_each_service_does(env: Synthesized) -> None:
    documents = env.data("platform", "aws_iam_policy_document")

    def services_used(service: str) -> set[str]:
        return {a.split(":")[0] for s in documents[f"irsa_{service}_permissions"]["statement"] for a in s["actions"]}

    assert services_used("payment") == {"secretsmanager", "kms", "dynamodb", "sqs", "sns"}
    assert services_used("fraud-detection") == {"secretsmanager", "kms", "sagemaker", "s3"}
    assert services_used("reporting") == {"secretsmanager", "kms", "athena", "glue", "s3"}


def as_upstream(statement: dict) -> dict:
    """A synthesized policy-document statement written the way upstream's JSON writes it."""
    conditions: dict[str, dict[str, list[str]]] = {}
    for condition in statement.get("condition", []):
        conditions.setdefault(condition["test"], {})[condition["variable"]] = condition["values"]
    return {"Effect": statement["effect"], "Action": statement["actions"], "Resource": statement["resources"], "Condition": conditions}


def upstream_normalized(statement: dict) -> dict:
    def listed(value: str | list[str]) -> list[str]:
        return value if isinstance(value, list) else [value]

    conditions = {test: {k: listed(v) for k, v in by_key.items()} for test, by_key in statement.get("Condition", {}).items()}
    return {
        "Effect": statement["Effect"],
        "Action": listed(statement["Action"]),
        "Resource": listed(statement["Resource"]),
        "Condition": conditions,
    }


def test_alb_controller_is_granted_exactly_the_upstream_policy_of_its_pinned_tag(env: Synthesized) -> None:
    from config.pins import lock
    from eks_platform.alb_controller_policy import pinned

    published = pinned()  # refuses a copy whose digest is not the recorded upstream one
    assert published["source"].endswith(f"/{published['controller_version']}/docs/install/iam_policy.json")
    statements = env.data("platform", "aws_iam_policy_document")[ALB_CONTROLLER_PERMISSIONS]["statement"]
    assert [as_upstream(s) for s in statements] == [upstream_normalized(s) for s in published["policy"]["Statement"]]
    (release,) = [r for r in env.resources("workloads", "helm_release").values() if r["chart"].endswith("/aws-load-balancer-controller")]
    assert release["version"] == lock()["aws-load-balancer-controller"]["version"]  # the chart that ships that controller
    assert json.loads(release["values"][0])["image"]["tag"] == published["controller_version"]


@pytest.mark.parametrize(
    ("edit", "text"),
    [
        ("    - ec2:DescribeRouteTables\n", ""),  # a permission fewer
        ("    - ec2:DescribeRouteTables\n", "    - ec2:DescribeRouteTables\n    - ec2:*\n"),  # a permission more
        ("'2012-10-17'", "'2008-10-17'"),  # the old policy language
    ],
    ids=["fewer", "more", "version"],
)
def test_permissions_other_than_upstreams_are_refused(edit: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eks_platform import alb_controller_policy

    for source in alb_controller_policy.DATA_DIR.iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    permissions = tmp_path / json.loads((tmp_path / alb_controller_policy.PIN_FILE.name).read_text())["permissions_file"]
    assert edit in permissions.read_text()
    permissions.write_text(permissions.read_text().replace(edit, text, 1))
    monkeypatch.setattr(alb_controller_policy, "DATA_DIR", tmp_path)
    monkeypatch.setattr(alb_controller_policy, "PIN_FILE", tmp_path / alb_controller_policy.PIN_FILE.name)
    with pytest.raises(ValueError, match=r"is not upstream's v2\.17\.1 policy"):
        alb_controller_policy.pinned()


def test_each_controller_permission_says_what_it_is_for() -> None:
    from eks_platform.alb_controller_policy import DATA_DIR, PIN_FILE

    permissions = yaml.safe_load((DATA_DIR / json.loads(PIN_FILE.read_text())["permissions_file"]).read_text())
    assert all(statement["why"].strip() for statement in permissions["statements"].values())


def test_every_log_group_has_retention_and_a_customer_key(env: Synthesized) -> None:
    groups = env.resources("platform", "aws_cloudwatch_log_group")
    # control plane, flow logs, the Fargate log router's own, Container Insights' two, one per service,
    # one per other namespace on Fargate (kube-system, amazon-cloudwatch), the deploy runner's where the endpoint is private
    runner = 0 if env.config.endpoint.public else 1
    assert len(groups) == 5 + len(env.config.services) + len(env.config.platform_fargate_namespaces) + runner
    assert groups["log_groups_fargate_log_router"]["name"] == f"{env.config.cluster_name}-fluent-bit-logs"
    for name, group in groups.items():
        assert group["retention_in_days"] == env.config.log_retention_days, name
        assert group["kms_key_id"] == "${aws_kms_key.encryption_platform_data_key.arn}", name


def test_the_upstream_check_names_each_statement_that_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """scripts/check_alb_controller_policy.py against an "upstream" with one statement fewer: it says which, and fails."""
    from eks_platform.alb_controller_policy import pinned
    from scripts.check_alb_controller_policy import main

    document = pinned()["policy"]
    dropped = document["Statement"].pop(0)
    upstream = tmp_path / "iam_policy.json"
    upstream.write_text(json.dumps(document, indent=4))
    assert main(["--file", str(upstream)]) == 1
    problems = capsys.readouterr().err
    assert "not the one recorded (upstream_policy_sha256)" in problems
    assert "not the one recorded (upstream_policy_canonical_sha256)" in problems
    assert f"ours only    : {json.dumps(dropped, sort_keys=True)}" in problems
