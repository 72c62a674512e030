"""A runner inside the VPC for the workloads apply, where the API endpoint is private (docs/deploy-runner.md).

With `endpoint.public: false` only networks inside (or routed into) the VPC reach the Kubernetes
API, so a workstation cannot apply the workloads stack. The platform creates a CodeBuild project
in the private subnets instead: `make deploy-workloads` uploads the synthesized workloads stack
and the charts to this runner's source bucket and starts a build that runs `terraform init` and
`terraform apply` (or `plan`) there. What it may do is only that:

- network: one security group, egress TCP 443 only. The API server is admitted by a rule on the
  cluster security group; everything else the build calls on 443 (S3 through the gateway
  endpoint, STS and CloudWatch Logs through the interface endpoints, EKS, and Terraform and its
  providers from HashiCorp, whose CDN publishes no address ranges) goes through the NAT gateway,
  which AWS requires for a CodeBuild project in a VPC.
- IAM: its log group, its source object (and the data key through S3 only), the workloads state
  object and its lock file, the platform state (read), eks:DescribeCluster on this cluster, and
  the network-interface actions CodeBuild needs in a VPC (its user guide's VPC policy).
- Kubernetes: its own access entry with AmazonEKSClusterAdminPolicy, cluster-wide. The releases
  create namespaces, ClusterRoles and their bindings, CRDs and webhooks (the load balancer
  controller's chart); AmazonEKSAdminPolicy grants roles and rolebindings only, and creating a
  ClusterRole needs every permission it grants (RBAC escalation prevention), so nothing narrower
  than cluster admin installs them.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.codebuild_project import (
    CodebuildProject,
    CodebuildProjectArtifacts,
    CodebuildProjectEnvironment,
    CodebuildProjectEnvironmentEnvironmentVariable,
    CodebuildProjectLogsConfig,
    CodebuildProjectLogsConfigCloudwatchLogs,
    CodebuildProjectSource,
    CodebuildProjectVpcConfig,
)
from cdktf_cdktf_provider_aws.eks_access_entry import EksAccessEntry
from cdktf_cdktf_provider_aws.eks_access_policy_association import EksAccessPolicyAssociation
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from app_support.checkov_skips import skip_checks
from app_support.terraform_state import s3_key
from config.deploy_runner import runner_name
from config.model import PROTECTED_LOG_RETENTION_DAYS, S3Backend
from eks_platform.cluster import ACCESS_POLICY
from eks_platform.context import AwsContext
from eks_platform.deploy_source import DeploySource
from eks_platform.policy import Condition, Statement, policy_document
from eks_platform.protection import keep

# The build installs this Terraform (README "Requirements": 1.10 or newer, for S3 lock files).
TERRAFORM_VERSION = "1.10.5"
BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
# The platform's chart releases wait up to 600 s, a service release at most 3600 s
# (workloads/rollout.py, MAX_TIMEOUT_SECONDS) and they run after the controller; 15 minutes more
# for the install, init and plan: 85 minutes, rounded up. CodeBuild accepts 5 to 2160.
BUILD_TIMEOUT_MINUTES = 90
# The buildspec is the project's own: a package can change what is applied, never how.
# Shell variables without braces: Terraform would read `${...}` in the JSON as its own interpolation.
BUILDSPEC = """version: 0.2
env:
  variables:
    TF_IN_AUTOMATION: "1"
    TF_INPUT: "0"
phases:
  install:
    commands:
      - TF_URL=https://releases.hashicorp.com/terraform/"$TERRAFORM_VERSION"; TF_ZIP=terraform_"$TERRAFORM_VERSION"_linux_amd64.zip
      - curl -fsSLO "$TF_URL/$TF_ZIP" && curl -fsSLo SHA256SUMS "$TF_URL/terraform_$TERRAFORM_VERSION"_SHA256SUMS
      - grep " $TF_ZIP$" SHA256SUMS | sha256sum -c - && unzip -o -q "$TF_ZIP" -d /usr/local/bin && terraform version
  build:
    commands:
      - cd "cdktf.out/stacks/$WORKLOADS_STACK"
      - terraform init -input=false
      - if [ "$TERRAFORM_ACTION" = apply ]; then terraform apply -input=false -auto-approve; else terraform plan -input=false; fi
"""


class DeployRunner(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        aws: AwsContext,
        cluster_name: str,
        environment: str,
        workloads_stack: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        state: S3Backend | None,
        data_key_arn: str,
        retention_days: int,
        protected: bool,
        cluster_security_group_id: str | None,
        cluster_ref: str,
        access_api: bool,
        create_project: bool = True,
    ) -> None:
        """`state` None: Terraform state on this machine (the emulator's `local` backend), which a
        runner cannot use; the project is still created. `cluster_security_group_id` None and
        `access_api` False: the emulator lacks them, so the rule and the access entry are left out.
        `create_project` False: an emulator whose CodeBuild cannot delete the project (config/emulator.py).
        `cluster_ref`: the cluster resource's name attribute, not the literal name, so that the access
        entry waits for the cluster (CreateAccessEntry answers ResourceNotFoundException before it
        exists, and Terraform creates unrelated resources in parallel)."""
        super().__init__(scope, id_)
        name = runner_name(cluster_name)
        self.name = name
        self.source = DeploySource(self, "source", aws=aws, cluster_name=cluster_name, kms_key_arn=data_key_arn, protected=protected)
        self.log_group = CloudwatchLogGroup(
            self, "logs", name=f"/aws/codebuild/{name}", retention_in_days=retention_days, kms_key_id=data_key_arn
        )
        keep(self.log_group, protected=protected)  # build logs of every workloads apply are audit records
        if retention_days < PROTECTED_LOG_RETENTION_DAYS:
            skip_checks(self.log_group, {"CKV_AWS_338": f"an environment that is not protected: logs are kept {retention_days} days"})

        self.security_group = SecurityGroup(
            self, "security_group", name=f"{name}-runner", vpc_id=vpc_id, description="The workloads deploy runner (CodeBuild)"
        )
        if not create_project:
            reason = "attached to the runner's CodeBuild project, which the emulator leaves out (config/environments/local.yaml)"
            skip_checks(self.security_group, {"CKV2_AWS_5": reason})
        VpcSecurityGroupEgressRule(
            self,
            "egress_https",
            security_group_id=self.security_group.id,
            description="HTTPS only: the API server, AWS APIs (endpoints or NAT), Terraform and its providers (NAT)",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
        )
        if cluster_security_group_id is not None:
            VpcSecurityGroupIngressRule(
                self,
                "api_ingress",
                security_group_id=cluster_security_group_id,
                description="Kubernetes API (443) from the workloads deploy runner",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                referenced_security_group_id=self.security_group.id,
            )

        project_arn = aws.arn("codebuild", f"project/{name}")
        trust = policy_document(
            self,
            "trust",
            [
                Statement(
                    actions=["sts:AssumeRole"],
                    principals={"Service": ["codebuild.amazonaws.com"]},
                    conditions=[
                        Condition("StringEquals", "aws:SourceAccount", [aws.account_id]),
                        Condition("ArnLike", "aws:SourceArn", [project_arn, f"{project_arn.replace(':project/', ':build/')}:*"]),
                    ],
                )
            ],
        )
        self.role = IamRole(self, "role", name=name, assume_role_policy=trust.json)
        statements = runner_statements(
            aws=aws,
            cluster_name=cluster_name,
            environment=environment,
            log_group_arn=self.log_group.arn,
            source=self.source,
            state=state,
            subnet_ids=subnet_ids,
            data_key_arn=data_key_arn,
        )
        permissions = policy_document(self, "permissions", statements)
        policy = IamRolePolicy(self, "policy", role=self.role.id, name="deploy-workloads", policy=permissions.json)

        self.project: CodebuildProject | None = None
        if create_project:
            self.project = CodebuildProject(
                self,
                "project",
                name=name,
                description=f"terraform apply of {workloads_stack} from inside the VPC (make deploy-workloads)",
                service_role=self.role.arn,
                build_timeout=BUILD_TIMEOUT_MINUTES,
                queued_timeout=60,
                encryption_key=data_key_arn,
                source=CodebuildProjectSource(type="S3", location=f"{self.source.bucket.bucket}/{DeploySource.KEY}", buildspec=BUILDSPEC),
                artifacts=CodebuildProjectArtifacts(type="NO_ARTIFACTS"),
                environment=CodebuildProjectEnvironment(
                    type="LINUX_CONTAINER",
                    compute_type="BUILD_GENERAL1_SMALL",
                    image=BUILD_IMAGE,
                    image_pull_credentials_type="CODEBUILD",
                    privileged_mode=False,
                    environment_variable=[
                        CodebuildProjectEnvironmentEnvironmentVariable(name=key, value=value)
                        for key, value in {
                            "TERRAFORM_VERSION": TERRAFORM_VERSION,
                            "WORKLOADS_STACK": workloads_stack,
                            "TERRAFORM_ACTION": "plan",
                        }.items()
                    ],
                ),
                logs_config=CodebuildProjectLogsConfig(
                    cloudwatch_logs=CodebuildProjectLogsConfigCloudwatchLogs(status="ENABLED", group_name=self.log_group.name)
                ),
                vpc_config=CodebuildProjectVpcConfig(vpc_id=vpc_id, subnets=list(subnet_ids), security_group_ids=[self.security_group.id]),
                # CreateProject with a VPC config checks the role's ec2:Describe* permissions: the
                # role alone is not enough, its policy must exist first (the provider only retries
                # "not authorized" while IAM propagates).
                depends_on=[self.role, policy],
            )
        if access_api:
            entry = EksAccessEntry(self, "access_entry", cluster_name=cluster_ref, principal_arn=self.role.arn, type="STANDARD")
            EksAccessPolicyAssociation(
                self,
                "access_cluster_admin",
                cluster_name=cluster_ref,
                principal_arn=entry.principal_arn,
                policy_arn=ACCESS_POLICY.format(partition=aws.partition, name="AmazonEKSClusterAdminPolicy"),
                access_scope={"type": "cluster"},
            )


def runner_statements(
    *,
    aws: AwsContext,
    cluster_name: str,
    environment: str,
    log_group_arn: str,
    source: DeploySource,
    state: S3Backend | None,
    subnet_ids: Sequence[str],
    data_key_arn: str,
) -> list[Statement]:
    """Only what one workloads apply needs (module docstring)."""
    statements = [
        Statement(sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[f"{log_group_arn}:*"]),
        Statement(sid="SourceBucket", actions=["s3:GetBucketAcl", "s3:GetBucketLocation"], resources=[source.bucket.arn]),
        Statement(
            sid="SourcePackage", actions=["s3:GetObject", "s3:GetObjectVersion"], resources=[f"{source.bucket.arn}/{DeploySource.KEY}"]
        ),
        Statement(
            # The source object, and the project's encryption key (artifacts; it writes none), through S3 only.
            sid="DataKeyThroughS3",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=[data_key_arn],
            conditions=[Condition("StringEquals", "kms:ViaService", [f"s3.{aws.region}.amazonaws.com"])],
        ),
        Statement(sid="Cluster", actions=["eks:DescribeCluster"], resources=[aws.arn("eks", f"cluster/{cluster_name}")]),
        # CodeBuild's VPC policy grants these on "*"; the two that take resources are kept to this account and region.
        Statement(
            sid="VpcDescribe",
            actions=[
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
            ],
            resources=["*"],
        ),
        Statement(
            sid="VpcNetworkInterfaces",
            actions=["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
            resources=[aws.arn("ec2", f"{kind}/*") for kind in ("network-interface", "subnet", "security-group")],
        ),
        Statement(
            sid="VpcNetworkInterfacePermission",
            actions=["ec2:CreateNetworkInterfacePermission"],
            resources=[aws.arn("ec2", "network-interface/*")],
            conditions=[
                Condition("StringEquals", "ec2:AuthorizedService", ["codebuild.amazonaws.com"]),
                Condition("ArnEquals", "ec2:Subnet", [aws.arn("ec2", f"subnet/{subnet}") for subnet in subnet_ids]),
            ],
        ),
    ]
    if state is not None:
        bucket = f"arn:{aws.partition}:s3:::{state.bucket}"
        workloads, platform = s3_key(state, environment, "workloads"), s3_key(state, environment, "platform")
        statements += [
            # Unconditioned, as in the S3 backend's documented policy: init also lists workspaces (`env:/`).
            Statement(sid="StateList", actions=["s3:ListBucket"], resources=[bucket]),
            Statement(sid="WorkloadsState", actions=["s3:GetObject", "s3:PutObject"], resources=[f"{bucket}/{workloads}"]),
            Statement(
                sid="WorkloadsStateLock",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[f"{bucket}/{workloads}.tflock"],
            ),
            Statement(sid="PlatformStateRead", actions=["s3:GetObject"], resources=[f"{bucket}/{platform}"]),
        ]
    return statements
