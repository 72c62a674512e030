"""The plan guard of protected environments (scripts/plan_guard.py), on plan JSON built here.

The fixtures follow Terraform's JSON output format (Terraform docs, "JSON Output Format": a plan
has `format_version` and `resource_changes`, each with `address`, `mode`, `type`, `name` and
`change.actions`, where a replacement is ["delete", "create"], or ["create", "delete"] under
create_before_destroy, and a destroy is ["delete"]).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import plan_guard
from tests.conftest import Synthesized

# What must survive a mistake in a protected environment (issue 22), and what else holds data.
STATEFUL = {"aws_ecr_repository", "aws_cloudwatch_log_group", "aws_secretsmanager_secret", "aws_kms_key", "aws_s3_bucket"}


def change(kind: str, name: str, actions: list[str], mode: str = "managed") -> dict[str, Any]:
    prefix = "data." if mode == "data" else ""
    return {
        "address": f"{prefix}{kind}.{name}",
        "mode": mode,
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": {}, "after": {}, "after_unknown": {}},
    }


def plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.10.5", "resource_changes": list(changes)}


def write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


DANGEROUS = plan(
    change("aws_ecr_repository", "ecr_repository_payment", ["delete", "create"]),
    change("aws_cloudwatch_log_group", "log_groups_control_plane", ["delete"]),
    change("aws_kms_key", "encryption_platform_data_key", ["create", "delete"]),
    change("aws_secretsmanager_secret", "secrets_secret_payment", ["update"]),
    change("aws_iam_role", "irsa_payment_role", ["delete"]),
    change("aws_s3_bucket", "alb_access_logs_bucket", ["no-op"]),
)


def test_deletions_and_replacements_of_guarded_types_are_named_and_nothing_else() -> None:
    found = plan_guard.losses(DANGEROUS)
    assert [(loss.address, loss.actions) for loss in found] == [
        ("aws_cloudwatch_log_group.log_groups_control_plane", ("delete",)),
        ("aws_ecr_repository.ecr_repository_payment", ("delete", "create")),
        ("aws_kms_key.encryption_platform_data_key", ("create", "delete")),
    ]
    assert "would destroy it" in str(found[0]) and "would replace it (delete, then create)" in str(found[1])


def test_a_data_source_read_is_no_loss() -> None:
    assert plan_guard.losses(plan(change("aws_kms_key", "key", ["read"], mode="data"))) == []


def test_a_protected_environment_fails_with_one_line_per_resource(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_guard.main(["plan_guard", "prod", str(write(tmp_path, DANGEROUS))]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 and all(line.startswith("error: ") for line in lines)
    assert lines[1].startswith("error: aws_ecr_repository.ecr_repository_payment: the plan would replace")
    assert "docs/operations.md" in lines[-1]


def test_an_environment_that_is_not_protected_passes_unless_always(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, DANGEROUS))
    assert plan_guard.main(["plan_guard", "dev", path]) == 0
    assert "not a protected environment" in capsys.readouterr().out
    assert plan_guard.main(["plan_guard", "dev", path, "--always"]) == 1


def test_a_clean_plan_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = plan(change("aws_cloudwatch_metric_alarm", "alarms_payment_pod_restarts", ["update"]))
    assert plan_guard.main(["plan_guard", "prod", str(write(tmp_path, clean))]) == 0
    assert "no guarded resource" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ({"resource_changes": []}, "not a Terraform JSON plan"),
        ({"format_version": "2.0", "resource_changes": []}, "format_version '2.0'"),
        ({"format_version": "1.2", "resource_changes": {}}, "resource_changes is not a list"),
        ({"format_version": "1.2", "resource_changes": [{"address": "x"}]}, "lacks mode, type, address or change.actions"),
        (["a list"], "not a Terraform JSON plan"),
    ],
)
def test_bad_plans_are_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, message: str) -> None:
    assert plan_guard.main(["plan_guard", "prod", str(write(tmp_path, content))]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: PLAN: ") and message in line


def test_a_missing_plan_an_unknown_environment_and_bad_usage_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_guard.main(["plan_guard", "prod", str(tmp_path / "absent.json")]) == 2
    assert plan_guard.main(["plan_guard", "nowhere", str(write(tmp_path, plan()))]) == 2
    assert plan_guard.main(["plan_guard", "prod"]) == 2
    assert all(line.startswith(("error: ", "usage: ")) for line in capsys.readouterr().err.splitlines())


def test_prod_keeps_every_stateful_resource_and_dev_may_delete_them(synthesized: dict[str, Synthesized]) -> None:
    prod, dev = synthesized["prod"], synthesized["dev"]
    assert STATEFUL | {"aws_eks_cluster"} <= set(plan_guard.GUARDED_TYPES)
    for kind in plan_guard.GUARDED_TYPES:
        resources = prod.resources("platform", kind)
        assert resources, kind
        for name, resource in resources.items():
            assert resource.get("lifecycle", {}).get("prevent_destroy") is True, f"{kind}.{name}"
        for name, resource in dev.resources("platform", kind).items():
            assert "prevent_destroy" not in resource.get("lifecycle", {}), f"{kind}.{name}"


def test_no_other_resource_type_in_prod_is_kept_from_destroy(synthesized: dict[str, Synthesized]) -> None:
    """prevent_destroy only where the guard looks, so the two never disagree."""
    for kind, resources in synthesized["prod"].platform["resource"].items():
        for name, resource in resources.items():
            if resource.get("lifecycle", {}).get("prevent_destroy"):
                assert kind in plan_guard.GUARDED_TYPES, f"{kind}.{name}"


@pytest.mark.slow
def test_terraform_s_own_plan_of_a_replacement_and_a_destroy_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A saved plan from the real Terraform binary (built-in `terraform_data`, no provider needed):
    the guard reads it through `terraform show -json` and finds the replacement and the destroy."""
    from scripts import terraform

    def configure(**resources: str) -> None:
        body = {"resource": {"terraform_data": {name: {"input": value, "triggers_replace": [value]} for name, value in resources.items()}}}
        (tmp_path / "main.tf.json").write_text(json.dumps(body))

    def tf(*args: str) -> None:
        terraform.run(tmp_path, *args)

    configure(kept="a", renamed="b", removed="c")
    tf("init", "-input=false", "-no-color")
    tf("apply", "-auto-approve", "-input=false", "-no-color")
    configure(kept="a", renamed="b2")  # a forced replacement, and a resource gone from the configuration
    tf("plan", "-input=false", "-no-color", "-out=guard.tfplan")
    monkeypatch.setitem(plan_guard.GUARDED_TYPES, "terraform_data", "test data")
    found = plan_guard.losses(plan_guard.read_plan(tmp_path / "guard.tfplan", tmp_path))
    assert [(loss.address, loss.actions) for loss in found] == [
        ("terraform_data.removed", ("delete",)),
        ("terraform_data.renamed", ("delete", "create")),
    ]
