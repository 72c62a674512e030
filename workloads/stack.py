"""The workloads stack: providers on the platform's cluster, namespaces, accounts, controller, services."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdktf import Fn, Token
from cdktf_cdktf_provider_helm.provider import HelmProvider, HelmProviderKubernetes, HelmProviderKubernetesExec
from cdktf_cdktf_provider_helm.release import Release, ReleaseSet
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider, KubernetesProviderExec
from cdktf_cdktf_provider_kubernetes.service_account_v1 import ServiceAccountV1, ServiceAccountV1Metadata
from constructs import Construct

from app_support.readable_stack import ReadableStack
from app_support.stack_names import workloads_stack_name
from app_support.terraform_state import STACK_DIR_TO_REPO_ROOT, configure_backend, platform_state
from config.loader import REPO_ROOT, SERVICES_DIR
from config.model import EnvironmentConfig, ServiceConfig
from eks_platform.outputs import PlatformOutputs
from eks_platform.service_network import ServiceNetwork
from workloads.alb_controller import CHART_NAME as ALB_CONTROLLER_CHART
from workloads.alb_controller import AlbController
from workloads.container_insights import CHART_DIR as CONTAINER_INSIGHTS_CHART_DIR
from workloads.container_insights import KUBE_STATE_METRICS_CHART, ContainerInsights
from workloads.fargate_logging import FargateLogging
from workloads.ingress_classes import CHART_DIR as INGRESS_CLASSES_CHART_DIR
from workloads.ingress_classes import IngressClasses, class_values, service_ingresses
from workloads.ingress_groups import placements
from workloads.metrics_server import CHART_NAME as METRICS_SERVER_CHART
from workloads.metrics_server import MetricsServer
from workloads.pod_security_groups import PodSecurityGroups
from workloads.rollout import rollout_plan
from workloads.service_chart import CHART_DIGEST, CHART_DIR, IMAGE_REPOSITORY, chart_digest, check_all_service_values, static_values
from workloads.team_access import TeamAccess
from workloads.third_party_charts import vendored_dir

# Pod Security Standards, enforced by the API server for every pod in a service namespace.
POD_SECURITY_LABELS = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# The load balancer controller injects a readiness gate into pods of labelled namespaces: a new
# pod counts as ready only once its target is healthy, so a rollout never outruns the ALB.
READINESS_GATE_LABEL = {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}


def chart_path_of(chart_dir: Path) -> str:
    """A chart of this repository, as the Helm provider finds it from the stack's directory."""
    return f"{STACK_DIR_TO_REPO_ROOT}/{chart_dir.relative_to(REPO_ROOT)}"


def platform_outputs_from_state(scope: Construct, config: EnvironmentConfig) -> PlatformOutputs:
    """The platform layer's outputs, read from its Terraform state into the typed contract."""
    state = platform_state(scope, "platform", config.backend, environment=config.name)

    def mapping(name: str) -> dict[str, str]:
        return {service: Token.as_string(Fn.lookup(state.get(name), service)) for service in config.services}

    read = {str: state.get_string, list: state.get_list, Mapping: mapping}
    return PlatformOutputs(**{name: read[kind](name) for name, kind in PlatformOutputs.kinds().items()})


def load_balancer_values(config: EnvironmentConfig, platform: PlatformOutputs, spec: ServiceConfig) -> dict[str, Any]:
    """What the platform sets on a service's Ingress: the ALB security group of its scheme
    and the load balancer attributes (access logs, header hygiene, deletion protection)."""
    network = ServiceNetwork.of(spec)
    groups = {"internal": platform.internal_alb_security_group_id, "internet-facing": platform.internet_facing_alb_security_group_id}
    attributes = {
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": platform.load_balancer_logs_bucket,
        "access_logs.s3.prefix": config.cluster_name,
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "deletion_protection.enabled": "true" if config.protected else "false",
    }
    return {
        "loadBalancer": {
            "securityGroupId": groups[network.scheme] if network.scheme else "",
            "attributes": ",".join(f"{key}={value}" for key, value in attributes.items()),
        }
    }


class WorkloadsStack(ReadableStack):
    def __init__(
        self, scope: Construct, config: EnvironmentConfig, *, services_dir: Path = SERVICES_DIR, render_values: bool = True
    ) -> None:
        super().__init__(scope, workloads_stack_name(config.name))
        # Bad values fail here, before any Terraform is written. render_values=False: the caller
        # renders them with the Helm engine itself (tap.py, alongside synthesis); the Ingress
        # placements are still computed (and checked) here.
        placed = check_all_service_values(config, services_dir) if render_values else placements(config, services_dir)
        configure_backend(self, config.backend, environment=config.name, layer="workloads")
        platform = platform_outputs_from_state(self, config)
        self._providers(platform)

        logging = FargateLogging(
            self,
            "fargate_logging",
            region=config.region,
            log_group_prefix=config.fargate_log_group_prefix,
            fallback_log_group=config.fargate_log_group("kube-system"),
        )
        # Fargate reads the logging ConfigMap only when a pod starts: everything installed here waits for it.
        logged = [logging.namespace, logging.config_map]
        controller = AlbController(
            self,
            "alb_controller",
            cluster_name=platform.cluster_name,
            region=config.region,
            vpc_id=platform.vpc_id,
            role_arn=platform.alb_controller_role_arn,
            default_tags=config.all_tags(),
            chart_path=chart_path_of(vendored_dir(ALB_CONTROLLER_CHART)),
            depends_on=logged,
        )
        # The controller's webhook intercepts every Service create (failurePolicy Fail): whatever creates a
        # Service or Ingress is installed once its pods are ready, and destroyed before it.
        after_controller = [controller.release, *logged]
        MetricsServer(self, "metrics_server", chart_path=chart_path_of(vendored_dir(METRICS_SERVER_CHART)), depends_on=after_controller)
        ContainerInsights(
            self,
            "container_insights",
            cluster_name=config.cluster_name,  # the collector's configuration names the cluster's log groups
            region=config.region,
            role_arn=platform.container_insights_role_arn,
            security_group_id=platform.container_insights_security_group_id,
            public_ecr_mirror=platform.public_ecr_mirror,
            kubernetes_registry_mirror=platform.kubernetes_registry_mirror,
            chart_path=chart_path_of(CONTAINER_INSIGHTS_CHART_DIR),
            kube_state_metrics_chart_path=chart_path_of(vendored_dir(KUBE_STATE_METRICS_CHART)),
            namespace_labels=POD_SECURITY_LABELS,
            depends_on=after_controller,
        )
        ingress_classes = IngressClasses(
            self,
            "ingress_classes",
            chart_path=chart_path_of(INGRESS_CLASSES_CHART_DIR),
            values=class_values(config.cluster_name, service_ingresses(config)),
            depends_on=[controller.release, *logged],  # the controller's chart installs the IngressClassParams CRD
        )
        chart_path = chart_path_of(CHART_DIR)
        content = ReleaseSet(name=CHART_DIGEST, value=chart_digest(), type="string")  # a chart edit is a plan diff
        self.releases: dict[str, Release] = {}
        for service, spec in config.services.items():
            namespace = NamespaceV1(
                self,
                f"namespace_{service}",
                metadata=NamespaceV1Metadata(name=spec.namespace, labels={**POD_SECURITY_LABELS, **READINESS_GATE_LABEL}),
            )
            account = ServiceAccountV1(
                self,
                f"service_account_{service}",
                metadata=ServiceAccountV1Metadata(
                    name=spec.service_account,
                    namespace=namespace.metadata.name,
                    annotations={IRSA_ANNOTATION: platform.service_role_arns[service]},
                ),
                automount_service_account_token=False,
            )
            TeamAccess(self, f"team_access_{service}", namespace=spec.namespace, protected=config.protected, depends_on=[namespace])
            security_groups = PodSecurityGroups(
                self,
                f"pod_security_groups_{service}",
                service=service,
                namespace=spec.namespace,
                group_ids=[platform.service_security_group_ids[service], platform.pod_security_group_id],
                depends_on=[namespace],
            )
            self.releases[service] = Release(
                self,
                f"release_{service}",
                name=service,
                namespace=spec.namespace,
                chart=chart_path,
                values=[
                    json.dumps(static_values(spec, placed.get(service)), indent=2),
                    json.dumps(load_balancer_values(config, platform, spec)),
                ],
                set=[ReleaseSet(name=IMAGE_REPOSITORY, value=platform.repository_urls[service]), content],
                wait=True,
                # Covers the largest rollout at this service's replica counts (workloads/rollout.py).
                timeout=rollout_plan(spec.values).timeout_seconds,
                atomic=True,
                # The controller's webhook rejects Ingresses until it is ready; on destroy the
                # release (and its load balancer) goes first, while the controller can still clean up.
                depends_on=[namespace, account, controller.release, ingress_classes.release, security_groups.policy, *logged],
            )

    def _providers(self, platform: PlatformOutputs) -> None:
        """Both providers authenticate with a fresh token per call (`aws eks get-token`), never a
        token read once at plan time, which expires during a long apply."""
        get_token = {
            "api_version": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", platform.cluster_name, "--region", platform.region, "--output", "json"],
        }
        ca_certificate = Fn.base64decode(platform.cluster_ca_data)
        KubernetesProvider(
            self,
            "kubernetes",
            host=platform.cluster_endpoint,
            cluster_ca_certificate=ca_certificate,
            exec=[KubernetesProviderExec(**get_token)],
        )
        HelmProvider(
            self,
            "helm",
            kubernetes=HelmProviderKubernetes(
                host=platform.cluster_endpoint,
                cluster_ca_certificate=ca_certificate,
                exec=HelmProviderKubernetesExec(**get_token),
            ),
        )
