"""Names the platform owns: a service or an environment file may not claim them.

One module, so every part of the platform that creates a name adds it here and the rules in
config/ refuse it at synth instead of AWS or Kubernetes refusing it at apply (or, worse,
one object silently replacing another).
"""

from __future__ import annotations

# IAM roles the platform creates as `<cluster>-<suffix>` (eks_platform: cluster.py, fargate.py,
# network.py, stack.py, deploy_runner.py). A service's IRSA role is `<cluster>-<service>`, so these service
# names would collide with them. tests/eks_platform/test_reserved_names.py checks every role the platform
# stack creates against this set, so a new platform role cannot be added without reserving its name.
PLATFORM_ROLE_SUFFIXES: frozenset[str] = frozenset(
    {"cluster", "fargate-pods", "vpc-flow-logs", "alb-controller", "container-insights", "deploy-workloads"}
)

# Namespaces Kubernetes, EKS or this platform use for their own pods (the load balancer
# controller and CoreDNS in kube-system, Fargate's log router configuration in aws-observability,
# the CloudWatch and GuardDuty agents if an operator adds them).
RESERVED_NAMESPACES: frozenset[str] = frozenset({"default", "aws-observability", "amazon-cloudwatch", "amazon-guardduty"})
RESERVED_NAMESPACE_PREFIXES: tuple[str, ...] = ("kube-",)

# Tags the platform puts on every resource (EnvironmentConfig.all_tags); an environment's
# `tags` may not replace them. `Name` and `kubernetes.io/...` are set per resource by the
# constructs and would silently win over a default tag of the same key.
PLATFORM_TAG_KEYS: frozenset[str] = frozenset({"Project", "Environment", "ManagedBy"})
PER_RESOURCE_TAG_KEYS: frozenset[str] = frozenset({"Name"})
PER_RESOURCE_TAG_PREFIXES: tuple[str, ...] = ("kubernetes.io/",)
# The load balancer controller refuses to start when its defaultTags (the environment's tags, workloads/
# alb_controller.py) hold one of its tracking tag keys. Facts from kubernetes-sigs/aws-load-balancer-controller
# v2.17.1 (commit 3b9bdb1e3fb2ccd7190f32c665062ff2b5792543): pkg/config/controller_config.go `trackingTagKeys`
# (checked by validateDefaultTagsCollisionWithTrackingTags) and pkg/shared_constants/tag_keys.go; taken 2026-12-05.
LOAD_BALANCER_CONTROLLER_TRACKING_TAG_KEYS: frozenset[str] = frozenset(
    {
        "elbv2.k8s.aws/cluster",
        "elbv2.k8s.aws/resource",
        "ingress.k8s.aws/stack",
        "ingress.k8s.aws/resource",
        "service.k8s.aws/stack",
        "service.k8s.aws/resource",
        "gateway.k8s.aws.nlb/resource",
        "gateway.k8s.aws.alb/resource",
        "gateway.k8s.aws.nlb/stack",
        "gateway.k8s.aws.alb/stack",
    }
)
# Refused as whole name spaces (in any case), not key by key: a later controller adds keys under the same prefixes.
LOAD_BALANCER_CONTROLLER_TAG_PREFIXES: tuple[str, ...] = ("elbv2.k8s.aws/", "ingress.k8s.aws/", "service.k8s.aws/", "gateway.k8s.aws.")
# The most tags a construct adds to one resource itself (a subnet: Name, kubernetes.io/role/...,
# kubernetes.io/cluster/<name>); tests/eks_platform checks the synthesized stacks against it.
MAX_PER_RESOURCE_TAGS = 3

# Values the platform sets in every release; a values file may not set them (charts/service).
PLATFORM_OWNED_VALUES: tuple[str, ...] = (
    "image.repository",
    "serviceAccount",
    "nameOverride",
    "fullnameOverride",
    "global",
    "ingress.group",
    "chartDigest",
    "loadBalancer",
    "rollout.timeoutSeconds",
)
# Label keys the chart sets itself; podLabels may not set them (the first two are the selector; tap.platform/compute
# is what the services Fargate profile selects). charts/service/values.schema.json (labelKey) refuses them, and with
# them every key under kubernetes.io/ and k8s.io/, which Kubernetes reserves for its core components.
CHART_LABEL_PREFIXES: tuple[str, ...] = ("app.kubernetes.io/", "helm.sh/", "tap.platform/")


def reserved_namespace(namespace: str) -> bool:
    return namespace in RESERVED_NAMESPACES or namespace.startswith(RESERVED_NAMESPACE_PREFIXES)
