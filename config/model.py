"""The typed configuration of an environment, one module per concern; import it from here.

Every rule lives next to the field it guards, and its message states the rule, so that
`loader.load_environment` can report "file: field: rule" on one line.
"""

from config.emulator import EmulatorConfig, EmulatorFeature
from config.environment import EcrConfig, EnvironmentConfig
from config.fargate import FargateProfileConfig, FargateSelector
from config.network import EndpointAccess, NatStrategy, VpcConfig
from config.rules import (
    AWS_REGION,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    ECR_REPOSITORY,
    HELM_RELEASE_NAME_MAX,
    IAM_PRINCIPAL_ARN,
    IAM_ROLE_NAME_MAX,
    LOG_RETENTION_DAYS,
    PROTECTED_LOG_RETENTION_DAYS,
    Frozen,
    dns_label,
    dns_subdomain,
)
from config.service import Permissions, ServiceConfig
from config.state import LocalBackend, S3Backend

__all__ = [
    "AWS_REGION",
    "DNS1123_LABEL",
    "DNS1123_SUBDOMAIN",
    "ECR_REPOSITORY",
    "HELM_RELEASE_NAME_MAX",
    "IAM_PRINCIPAL_ARN",
    "IAM_ROLE_NAME_MAX",
    "LOG_RETENTION_DAYS",
    "PROTECTED_LOG_RETENTION_DAYS",
    "EcrConfig",
    "EmulatorConfig",
    "EmulatorFeature",
    "EndpointAccess",
    "EnvironmentConfig",
    "FargateProfileConfig",
    "FargateSelector",
    "Frozen",
    "LocalBackend",
    "NatStrategy",
    "Permissions",
    "S3Backend",
    "ServiceConfig",
    "VpcConfig",
    "dns_label",
    "dns_subdomain",
]
