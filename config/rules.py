"""Rules shared by many fields: name formats and the limits AWS and Kubernetes enforce.

Every message states its rule, so that `loader` can report "file: field: rule" on one line.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

# Length limits of AWS and Helm names live with the other limits (config/quotas.py), each beside its source.
from config.quotas import HELM_RELEASE_NAME_MAX as HELM_RELEASE_NAME_MAX
from config.quotas import IAM_ROLE_NAME_MAX as IAM_ROLE_NAME_MAX

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ECR_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
# Audit logs of a protected (payment) environment are kept a year: PCI DSS requirement 10.5.1.
PROTECTED_LOG_RETENTION_DAYS = 365


def dns_label(value: str, *, max_length: int = 63) -> str:
    if len(value) > max_length or not DNS1123_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label (lower-case letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {max_length} characters)"
        )
    return value


def dns_subdomain(value: str) -> str:
    if len(value) > 253 or not DNS1123_SUBDOMAIN.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 subdomain (lower-case labels separated by '.', at most 253 characters)")
    return value


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
