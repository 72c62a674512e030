"""The load balancers' access-log bucket: Object Lock for environments that must prove logs untouched."""

from __future__ import annotations

from pydantic import StrictInt, field_validator

from config.rules import Frozen

# S3 Object Lock retention in days: at least 1; the bucket's lifecycle expires logs after the
# environment's log_retention_days, so a longer lock would only keep expired logs (checked there).
OBJECT_LOCK_DAYS_MIN = 1


class AccessLogConfig(Frozen):
    """`object_lock_days`: S3 Object Lock in governance mode on every access log for this many days
    (PCI DSS 10.3.2: audit logs protected from modification). Only in protected environments; unset: no lock.

    Object Lock can only be turned on when S3 creates the bucket (or, for an existing versioned bucket,
    with `aws s3api put-object-lock-configuration` before the apply): docs/security.md says how."""

    object_lock_days: StrictInt | None = None

    @field_validator("object_lock_days")
    @classmethod
    def _days(cls, value: int | None) -> int | None:
        if value is not None and value < OBJECT_LOCK_DAYS_MIN:
            raise ValueError(f"must be at least {OBJECT_LOCK_DAYS_MIN} day (S3 Object Lock's minimum retention)")
        return value
