"""Access to the access logs is recorded; Object Lock where configured; every suppression reason is true
of the resource it sits on (issue 20)."""

from __future__ import annotations

from app_support.checkov_skips import skips_in
from tests.conftest import Synthesized

LOG_BUCKET = "${aws_s3_bucket.alb_access_logs_bucket.id}"
ACCESS_BUCKET = "${aws_s3_bucket.alb_access_logs_access_bucket.id}"


def test_access_to_the_log_bucket_is_recorded_in_a_separate_bucket(env: Synthesized) -> None:
    (logging,) = env.resources("platform", "aws_s3_bucket_logging").values()
    assert (logging["bucket"], logging["target_bucket"]) == (LOG_BUCKET, ACCESS_BUCKET)
    assert "aws_s3_bucket_policy.alb_access_logs_access_policy" in logging["depends_on"]
    document = env.data("platform", "aws_iam_policy_document")["alb_access_logs_access_policy_document"]
    write, tls_only = document["statement"]
    assert write["principals"] == [{"type": "Service", "identifiers": ["logging.s3.amazonaws.com"]}]
    assert write["actions"] == ["s3:PutObject"]
    assert write["resources"] == [f"${{aws_s3_bucket.alb_access_logs_access_bucket.arn}}/{logging['target_prefix']}*"]
    # only S3's logging of this account's log bucket may write (confused-deputy guard, as AWS documents for server access logs)
    conditions = {(c["test"], c["variable"]): c["values"] for c in write["condition"]}
    assert conditions[("ArnLike", "aws:SourceArn")] == ["${aws_s3_bucket.alb_access_logs_bucket.arn}"]
    assert ("StringEquals", "aws:SourceAccount") in conditions
    assert tls_only["effect"] == "Deny"
    # S3 refuses an Object Lock bucket as a server access log target.
    locks = env.resources("platform", "aws_s3_bucket_object_lock_configuration")
    assert all(lock["bucket"] != ACCESS_BUCKET for lock in locks.values())


def test_object_lock_in_governance_mode_where_configured(env: Synthesized) -> None:
    days = env.config.access_logs.object_lock_days
    locks = env.resources("platform", "aws_s3_bucket_object_lock_configuration")
    for bucket in env.resources("platform", "aws_s3_bucket").values():
        # the bucket's own object_lock_enabled forces a new bucket: an existing one of audit logs must not be replaced
        assert "object_lock_enabled" not in bucket
    if days is None:
        assert not locks
        return
    assert env.config.protected
    (lock,) = locks.values()
    assert lock["bucket"] == LOG_BUCKET and lock["object_lock_enabled"] == "Enabled"
    assert lock["rule"]["default_retention"] == {"mode": "GOVERNANCE", "days": days}
    assert lock["depends_on"] == ["aws_s3_bucket_versioning.alb_access_logs_versioning"]
    assert days <= env.config.log_retention_days


def test_prod_locks_its_access_logs(synthesized) -> None:
    assert synthesized["prod"].config.access_logs.object_lock_days is not None


def test_key_policy_reasons_name_only_statements_the_policy_has(env: Synthesized) -> None:
    for name, document in env.data("platform", "aws_iam_policy_document").items():
        reasons = skips_in(document)
        if not name.startswith("encryption_") or not reasons:
            continue
        has_logs_statement = any(s.get("sid") == "CloudWatchLogsEncryptsThisAccountsGroups" for s in document["statement"])
        for reason in reasons.values():
            assert ("CloudWatch Logs statement" in reason) is has_logs_statement, name
    assert (
        not skips_in(env.data("platform", "aws_iam_policy_document")["encryption_cluster_secrets_key_policy"])
        .get("CKV_AWS_109", "")
        .count("CloudWatch")
    )


def test_the_log_bucket_no_longer_claims_it_cannot_log_its_access(env: Synthesized) -> None:
    bucket = env.resources("platform", "aws_s3_bucket")["alb_access_logs_bucket"]
    assert "CKV_AWS_18" not in skips_in(bucket)
    assert "CKV_AWS_18" in skips_in(env.resources("platform", "aws_s3_bucket")["alb_access_logs_access_bucket"])


def test_unattached_groups_are_not_created(env: Synthesized) -> None:
    """CKV2_AWS_5 says each group is attached: the ALB groups exist only for a scheme some Ingress uses,
    and each reason names who attaches it."""
    for name, group in env.resources("platform", "aws_security_group").items():
        reason = skips_in(group).get("CKV2_AWS_5")
        if name.startswith("security_groups_alb_"):
            assert reason and "used by" not in reason
            services = reason.split("(")[-1].split(")")[0].split(", ")
            assert services and all(s in env.config.services for s in services), reason
        elif name.startswith("security_groups_service_"):
            assert reason and name.removeprefix("security_groups_service_").replace("_", "-") in reason
