"""The platform stack's AWS provider: the real one, or one pointed at the emulator (`make local`).

Kept apart from the stack's wiring (eks_platform/stack.py): this is about where the calls go,
not what is created. Both are created in the stack itself, so their logical ids (`aws`,
`emulator_endpoint`) do not depend on this module.
"""

from __future__ import annotations

from cdktf import TerraformStack, TerraformVariable
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags, AwsProviderEndpoints

from config.model import EmulatorConfig, EnvironmentConfig

# The API services the platform calls; an emulator must answer all of them.
EMULATED_SERVICES = ("ec2", "eks", "iam", "kms", "cloudwatch", "cloudwatchlogs", "ecr", "secretsmanager", "sts", "s3", "sns", "codebuild")


def aws_provider(stack: TerraformStack, config: EnvironmentConfig) -> AwsProvider:
    """The environment's region with its default tags on every resource; the emulator's endpoint where it has one."""
    tags = AwsProviderDefaultTags(tags=config.all_tags())
    if config.emulator is None:
        return AwsProvider(stack, "aws", region=config.region, default_tags=[tags])
    return emulated_provider(stack, config.region, config.emulator, tags)


def emulated_provider(stack: TerraformStack, region: str, emulator: EmulatorConfig, tags: AwsProviderDefaultTags) -> AwsProvider:
    """The AWS provider pointed at an emulator: fake credentials, no metadata or account look-ups."""
    endpoint = TerraformVariable(
        stack,
        "emulator_endpoint",
        type="string",
        default=emulator.endpoint,
        description="URL of the AWS emulator; `make local` sets it to the port it started the emulator on",
    )
    return AwsProvider(
        stack,
        "aws",
        region=region,
        access_key="emulator",
        secret_key="emulator",
        skip_credentials_validation=True,
        skip_metadata_api_check="true",
        skip_region_validation=True,
        skip_requesting_account_id=False,
        s3_use_path_style=True,  # the emulator serves buckets by path, not by virtual host
        endpoints=[AwsProviderEndpoints(**{service: endpoint.string_value for service in EMULATED_SERVICES})],
        default_tags=[tags],
    )
