"""The platform stack: everything AWS-side the workloads need, and its typed outputs."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from app_support.readable_stack import ReadableStack
from app_support.stack_names import platform_stack_name, workloads_stack_name
from app_support.terraform_state import configure_backend
from config.model import EmulatorFeature, EnvironmentConfig, S3Backend
from config.network import EKS_UNSUPPORTED_ZONE_IDS
from config.observability import COLLECTOR_NAMESPACE, COLLECTOR_SERVICE_ACCOUNT, TelemetryTags
from eks_platform.addons import Addons
from eks_platform.alarm_targets import ServiceWatch, load_balancer_tags
from eks_platform.alarm_topic import AlarmTopic
from eks_platform.alarms import Alarms
from eks_platform.cluster import Cluster
from eks_platform.collector_network import CollectorNetwork
from eks_platform.context import AwsContext
from eks_platform.deploy_runner import DeployRunner
from eks_platform.ecr import Repositories
from eks_platform.encryption import EncryptionKeys
from eks_platform.fargate import FargateProfiles
from eks_platform.image_mirror import ImageMirror
from eks_platform.irsa import ALB_CONTROLLER_SKIPS, OidcProvider, ServiceAccountRole, alb_controller_statements
from eks_platform.load_balancer_logs import LoadBalancerLogs
from eks_platform.log_groups import LogGroups
from eks_platform.network import Network
from eks_platform.outputs import PlatformOutputs
from eks_platform.policy import Statement
from eks_platform.protection import keep
from eks_platform.provider import aws_provider
from eks_platform.secrets import ServiceSecrets
from eks_platform.service_network import ServiceNetwork, endpoint_services
from eks_platform.service_policies import service_statements
from eks_platform.service_security_groups import ServiceSecurityGroups
from eks_platform.telemetry_tags import TelemetryTags as TelemetryTagsSetting
from eks_platform.vpc_endpoints import VpcEndpoints

ALB_CONTROLLER_NAMESPACE = "kube-system"
ALB_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller"


class PlatformStack(ReadableStack):
    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, platform_stack_name(config.name))
        configure_backend(self, config.backend, environment=config.name, layer="platform")
        aws_provider(self, config)
        aws = AwsContext.lookup(self, config.region)
        name = config.cluster_name
        services = config.services

        keys = EncryptionKeys(
            self, "encryption", aws=aws, cluster_name=name, protected=config.protected, alarm_topic=config.alarms.create_topic
        )
        data_key_arn = keys.platform_data.arn  # read once: a jsii round trip per read, used per service
        logs = LogGroups(
            self,
            "log_groups",
            cluster_name=name,
            service_groups={service: config.fargate_log_group(spec.namespace) for service, spec in services.items()},
            namespace_groups={namespace: config.fargate_log_group(namespace) for namespace in config.platform_fargate_namespaces},
            retention_days=config.log_retention_days,
            kms_key_arn=data_key_arn,
            flow_logs=config.flow_logs,
            protected=config.protected,
        )
        network = Network(
            self,
            "network",
            config=config.vpc,
            cluster_name=name,
            flow_log_group=logs.flow_logs,
            aws=aws,
            refused_zone_id=EKS_UNSUPPORTED_ZONE_IDS.get(config.region),
        )
        endpoints = VpcEndpoints(
            self,
            "vpc_endpoints",
            cluster_name=name,
            aws=aws,
            vpc_id=network.vpc.id,
            vpc_cidr=config.vpc.cidr,
            subnet_ids=network.private_subnet_ids,
            route_table_ids=[table.id for table in network.private_route_tables],
            used_apis=endpoint_services(services.values()),
            zones=config.vpc.availability_zones,
            zones_by_id=config.vpc.zones_by_id,
            check_zones=not config.omits(EmulatorFeature.VPC_ENDPOINT_SERVICE_ZONES),
            # The deploy runner (below) reads and writes the state from inside the VPC, through S3's gateway.
            state_bucket=config.backend.bucket if not config.endpoint.public and isinstance(config.backend, S3Backend) else None,
        )
        cluster = Cluster(
            self,
            "eks",
            aws=aws,
            name=name,
            version=config.kubernetes_version,
            endpoint=config.endpoint,
            subnet_ids=network.private_subnet_ids,
            secrets_key=keys.cluster_secrets,
            log_group=logs.control_plane,
            admin_arns=config.cluster_admin_arns,
            viewer_arns=config.cluster_viewer_arns,
            namespace_editors=config.namespace_editors,
            access_api=not config.omits(EmulatorFeature.EKS_ACCESS_API),
        )
        keep(cluster.cluster, protected=config.protected)
        # Public images (the collector, kube-state-metrics) come through ECR, inside the VPC.
        mirror = ImageMirror(
            self, "image_mirror", aws=aws, cluster_name=name, create_rules=not config.omits(EmulatorFeature.ECR_PULL_THROUGH_CACHE)
        )
        fargate = FargateProfiles(
            self,
            "fargate",
            aws=aws,
            cluster_name=name,
            cluster=cluster.cluster,
            profiles=config.all_fargate_profiles,
            subnet_ids=network.private_subnet_ids,
            log_group_prefix=config.fargate_log_group_prefix,
            mirrored_repository_arns=mirror.repository_arns,
        )
        if not config.omits(EmulatorFeature.EKS_ADDONS):
            Addons(
                self,
                "addons",
                cluster=cluster.cluster,
                versions=config.addon_versions,
                kube_system_profile=fargate.profiles["kube-system"],
            )

        cluster_security_group_id = (
            None if config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP) else cluster.cluster.vpc_config.cluster_security_group_id
        )
        security_groups = ServiceSecurityGroups(
            self,
            "security_groups",
            cluster_name=name,
            vpc_id=network.vpc.id,
            vpc_cidr=config.vpc.cidr,
            cluster_security_group_id=cluster_security_group_id,
            services={service: ServiceNetwork.of(spec) for service, spec in services.items()},
            endpoints_security_group_id=endpoints.security_group.id,
            prefix_lists=endpoints.prefix_lists,
            internal_clients=config.vpc.internal_clients,
            describe_references=not config.omits(EmulatorFeature.REFERENCED_RULE_DESCRIPTIONS),
        )
        collector_network = CollectorNetwork(
            self,
            "collector_network",
            cluster_name=name,
            vpc_id=network.vpc.id,
            cluster_security_group_id=cluster_security_group_id,
            pods_security_group_id=security_groups.pods.id,
            vpc_endpoints_security_group_id=endpoints.security_group.id,
            s3_prefix_list_id=endpoints.s3.prefix_list_id,
            describe_references=not config.omits(EmulatorFeature.REFERENCED_RULE_DESCRIPTIONS),
        )

        access_logs = LoadBalancerLogs(
            self,
            "alb_access_logs",
            aws=aws,
            cluster_name=name,
            retention_days=config.log_retention_days,
            protected=config.protected,
            object_lock_days=config.access_logs.object_lock_days,
        )

        repositories = Repositories(
            self,
            "ecr",
            names={service: spec.repository for service, spec in services.items()},
            prefix=config.repository_prefix,
            config=config.ecr,
            kms_key_arn=data_key_arn,
            deployed_tags=config.deployed_image_tags,
            protected=config.protected,
        )
        secrets = ServiceSecrets(
            self,
            "secrets",
            cluster_name=name,
            services=services,
            kms_key_arn=data_key_arn,
            recovery_window_days=config.secret_recovery_window_days,
            protected=config.protected,
        )
        oidc = OidcProvider(self, "oidc", issuer_url=cluster.oidc_issuer_url, issuer_host_path=cluster.oidc_issuer_host_path)
        service_roles = {
            service: ServiceAccountRole(
                self,
                f"irsa_{service}",
                oidc=oidc,
                role_name=config.service_role_name(service),
                namespace=spec.namespace,
                service_account=spec.service_account,
                statements=service_statements(
                    spec.permissions,
                    aws=aws,
                    suffix=config.suffix,
                    data_bucket=config.data_bucket,
                    secret_arn=secrets.secrets[service].arn,
                    data_key_arn=data_key_arn,
                ),
            )
            for service, spec in services.items()
        }
        alb_controller_role = ServiceAccountRole(
            self,
            "irsa_alb_controller",
            oidc=oidc,
            role_name=f"{name}-alb-controller",
            namespace=ALB_CONTROLLER_NAMESPACE,
            service_account=ALB_CONTROLLER_SERVICE_ACCOUNT,
            statements=alb_controller_statements(),
            skips=ALB_CONTROLLER_SKIPS,
        )
        # The Container Insights collector writes embedded metric format to its two log groups, nothing else.
        collector_role = ServiceAccountRole(
            self,
            "irsa_container_insights",
            oidc=oidc,
            role_name=f"{name}-container-insights",
            namespace=COLLECTOR_NAMESPACE,
            service_account=COLLECTOR_SERVICE_ACCOUNT,
            statements=[
                Statement(
                    # awsemf creates its streams and puts events; the groups exist (no CreateLogGroup).
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[f"{group.arn}:*" for group in logs.container_insights.values()],
                )
            ],
        )
        actions = list(config.alarms.topic_arns)
        if keys.alarm_topic is not None:
            topic = AlarmTopic(
                self, "alarm_topic", cluster_name=name, kms_key_arn=keys.alarm_topic.arn, subscriptions=config.alarms.subscriptions
            )
            actions.append(topic.topic.arn)
        tags_setting = []
        if config.alarms.telemetry_tags is TelemetryTags.MANAGED and not config.omits(EmulatorFeature.CLOUDWATCH_TELEMETRY_TAGS):
            tags_setting.append(TelemetryTagsSetting(self, "telemetry_tags", cluster_name=name).stack)
        Alarms(
            self,
            "alarms",
            cluster_name=name,
            config=config.alarms,
            actions=actions,
            load_balancer_tags=load_balancer_tags(config.all_tags()),
            services={service: ServiceWatch.of(service, spec) for service, spec in services.items()},
            tags_setting=tags_setting,
        )

        # A private API endpoint: nothing outside the VPC can apply the workloads, so a runner inside does.
        runner = None
        if not config.endpoint.public:
            runner = DeployRunner(
                self,
                "deploy_runner",
                aws=aws,
                cluster_name=name,
                environment=config.name,
                workloads_stack=workloads_stack_name(config.name),
                vpc_id=network.vpc.id,
                subnet_ids=network.private_subnet_ids,
                state=config.backend if isinstance(config.backend, S3Backend) else None,
                data_key_arn=data_key_arn,
                retention_days=config.log_retention_days,
                protected=config.protected,
                cluster_security_group_id=(
                    None
                    if config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP)
                    else cluster.cluster.vpc_config.cluster_security_group_id
                ),
                cluster_ref=cluster.cluster.name,
                access_api=not config.omits(EmulatorFeature.EKS_ACCESS_API),
                create_project=not config.omits(EmulatorFeature.CODEBUILD_PROJECT),
            )

        self.outputs = PlatformOutputs(
            region=config.region,
            cluster_name=cluster.cluster.name,
            cluster_endpoint=cluster.cluster.endpoint,
            cluster_ca_data=cluster.cluster.certificate_authority.get(0).data,
            oidc_provider_arn=oidc.arn,
            oidc_issuer_url=cluster.oidc_issuer_url,
            vpc_id=network.vpc.id,
            private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids,
            alb_controller_role_arn=alb_controller_role.arn,
            service_role_arns={service: role.arn for service, role in service_roles.items()},
            repository_urls={service: repo.repository_url for service, repo in repositories.repositories.items()},
            secret_arns={service: secret.arn for service, secret in secrets.secrets.items()},
            workload_log_groups={service: group.name for service, group in logs.workloads.items()},
            kubeconfig_command=f"aws eks update-kubeconfig --name {name} --region {config.region}",
            service_security_group_ids={service: group.id for service, group in security_groups.services.items()},
            pod_security_group_id=security_groups.pods.id,
            # "" where no service uses the scheme: the group is not created, and no Ingress names it.
            internal_alb_security_group_id=security_groups.load_balancer_id("internal"),
            internet_facing_alb_security_group_id=security_groups.load_balancer_id("internet-facing"),
            load_balancer_logs_bucket=access_logs.name,
            container_insights_role_arn=collector_role.arn,
            container_insights_security_group_id=collector_network.group.id,
            public_ecr_mirror=mirror.mirrors["ecr-public"],
            kubernetes_registry_mirror=mirror.mirrors["k8s"],
            runner_project=runner.project.name if runner and runner.project else "",
            runner_source_bucket=runner.source.bucket.bucket if runner else "",
        )
        for field_name in PlatformOutputs.names():
            TerraformOutput(self, field_name, value=getattr(self.outputs, field_name))
