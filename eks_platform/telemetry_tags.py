"""CloudWatch's "resource tags for telemetry", managed as code: the load balancer alarms need it.

The controller creates the load balancers, so their names are unknown here; the alarms select
this environment's load balancers by the tags the controller puts on them, in Metrics Insights
queries (eks_platform/alarm_targets.py). Metrics Insights matches only `=`, `!=` and AND on a
label (CloudWatch User Guide, "Metrics Insights query components and syntax", WHERE), so no
name-prefix match on the LoadBalancer dimension (`app/<name>/<id>`, the id assigned by AWS) can
replace the tags. A query can filter on `tag.<key>` only once the account has "resource tags for
telemetry" on (CloudWatch User Guide, resource-tags-for-telemetry.html).

The AWS provider pinned here (5.100.0) has no resource for that setting (the API is
observabilityadmin:StartTelemetryEnrichment; the Terraform resource
`aws_observabilityadmin_telemetryenrichment` came with provider 6). CloudFormation has one,
AWS::ObservabilityAdmin::TelemetryEnrichment (Scope: ACCOUNT; Fn::GetAtt Status), so the
platform declares it through an `aws_cloudformation_stack` and exports the status it reports.
The setting is one per account and Region: exactly one environment there manages it
(`alarms.telemetry_tags: managed`), the others say `external` (docs/operations.md).
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.cloudformation_stack import CloudformationStack
from constructs import Construct

from app_support.checkov_skips import skip_checks

RESOURCE_TYPE = "AWS::ObservabilityAdmin::TelemetryEnrichment"


def template() -> str:
    return json.dumps(
        {
            "Description": "CloudWatch resource tags for telemetry (account and Region): the tap-eks load balancer alarms select by tag",
            "Resources": {"TelemetryEnrichment": {"Type": RESOURCE_TYPE, "Properties": {"Scope": "ACCOUNT"}}},
            "Outputs": {"Status": {"Value": {"Fn::GetAtt": ["TelemetryEnrichment", "Status"]}}},
        },
        sort_keys=True,
    )


class TelemetryTags(Construct):
    def __init__(self, scope: Construct, id_: str, *, cluster_name: str) -> None:
        super().__init__(scope, id_)
        self.stack = CloudformationStack(self, "stack", name=f"{cluster_name}-telemetry-tags", template_body=template())
        skip_checks(
            self.stack,
            {
                "CKV_AWS_124": "the stack holds one account setting that Terraform applies and reads back (its status is an "
                "output); its events are in CloudTrail, and mailing them to the on-call topic would page on every apply"
            },
        )

    @property
    def status(self) -> str:
        return self.stack.outputs.lookup("Status")
