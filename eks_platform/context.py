"""Who and where the stack deploys: read once from AWS, passed to constructs that build ARNs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct


@dataclass(frozen=True)
class AwsContext:
    partition: str
    account_id: str
    region: str
    caller_arn: str

    @classmethod
    def lookup(cls, scope: Construct, region: str) -> AwsContext:
        identity = DataAwsCallerIdentity(scope, "caller")
        partition = DataAwsPartition(scope, "partition")
        return cls(partition=partition.partition, account_id=identity.account_id, region=region, caller_arn=identity.arn)

    def arn(self, service: str, resource: str) -> str:
        """The ARN of a regional resource of this account."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"
