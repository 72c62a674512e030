"""What the platform stack promises, checked on the synthesized Terraform JSON of every environment."""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re

import yaml

from config.eks_addons import TABLE as ADDON_TABLE
from config.fargate import SERVICE_POD_LABEL
from config.model import EmulatorFeature, NatStrategy
from eks_platform.cluster import CONTROL_PLANE_LOG_TYPES
from eks_platform.outputs import PlatformOutputs
from tests.conftest import Synthesized


def ref(resource_type: str, name: str, attribute: str = "id") -> str:
    return f"${{{resource_type}.{name}.{attribute}}}"


def depends_on(resource: dict) -> set[str]:
    return set(resource.get("depends_on", []))


# --- network -------------------------------------------------------------------------------------


def test_three_public_and_three_private_subnets_in_distinct_zones(env: Synthesized) -> None:
    subnets = env.resources("platform", "aws_subnet").values()
    public = [s for s in subnets if s["tags"].get("kubernetes.io/role/elb") == "1"]
    private = [s for s in subnets if s["tags"].get("kubernetes.io/role/internal-elb") == "1"]
    assert len(public) == 3 and len(private) == 3
    for group in (public, private):
        assert {s["availability_zone"] for s in group} == set(env.config.vpc.availability_zones)


def test_subnets_are_tagged_for_the_cluster_and_fit_the_vpc(env: Synthesized) -> None:
    vpc = ipaddress.ip_network(env.config.vpc.cidr)
    networks = []
    for subnet in env.resources("platform", "aws_subnet").values():
        assert subnet["tags"][f"kubernetes.io/cluster/{env.config.cluster_name}"] == "shared"
        network = ipaddress.ip_network(subnet["cidr_block"])
        assert network.subnet_of(vpc)
        networks.append(network)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


def test_nat_gateways_follow_the_strategy_and_wait_for_the_internet_gateway(env: Synthesized) -> None:
    nats = env.resources("platform", "aws_nat_gateway")
    expected = 3 if env.config.vpc.nat is NatStrategy.PER_AZ else 1
    assert len(nats) == expected
    for nat in nats.values():
        assert "aws_internet_gateway.network_internet_gateway" in depends_on(nat)
    for address in env.resources("platform", "aws_eip").values():
        assert "aws_internet_gateway.network_internet_gateway" in depends_on(address)


def test_every_private_subnet_routes_to_the_internet_through_a_nat(env: Synthesized) -> None:
    routes = env.resources("platform", "aws_route").values()
    nat_routes = [r for r in routes if "nat_gateway_id" in r]
    assert len(nat_routes) == 3
    assert all(r["destination_cidr_block"] == "0.0.0.0/0" for r in nat_routes)


def test_default_security_group_has_no_rules(env: Synthesized) -> None:
    (default,) = env.resources("platform", "aws_default_security_group").values()
    assert not default.get("ingress") and not default.get("egress")


def test_vpc_flow_logs_capture_all_traffic_to_an_encrypted_group(env: Synthesized) -> None:
    (flow_log,) = env.resources("platform", "aws_flow_log").values()
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination"] == ref("aws_cloudwatch_log_group", "log_groups_vpc_flow_logs", "arn")


# --- cluster ----------------------------------------------------------------------------------------


def test_cluster_runs_the_configured_version_with_all_control_plane_logs(env: Synthesized) -> None:
    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    assert cluster["version"] == env.config.kubernetes_version
    assert set(cluster["enabled_cluster_log_types"]) == set(CONTROL_PLANE_LOG_TYPES)
    assert len(CONTROL_PLANE_LOG_TYPES) == 5


def test_control_plane_log_group_exists_before_the_cluster_with_retention_and_kms(env: Synthesized) -> None:
    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    group = env.resources("platform", "aws_cloudwatch_log_group")["log_groups_control_plane"]
    assert group["name"] == f"/aws/eks/{env.config.cluster_name}/cluster"
    assert group["retention_in_days"] == env.config.log_retention_days
    assert group["kms_key_id"].startswith("${aws_kms_key.")
    assert "aws_cloudwatch_log_group.log_groups_control_plane" in depends_on(cluster)


def test_kubernetes_secrets_are_encrypted_with_a_rotating_customer_key(env: Synthesized) -> None:
    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    (encryption,) = cluster["encryption_config"] if isinstance(cluster["encryption_config"], list) else [cluster["encryption_config"]]
    assert encryption["resources"] == ["secrets"]
    key_ref = encryption["provider"]["key_arn"]
    key_name = re.match(r"\$\{aws_kms_key\.(\w+)\.arn\}", key_ref).group(1)
    assert env.resources("platform", "aws_kms_key")[key_name]["enable_key_rotation"] is True


def test_endpoint_is_private_and_public_only_for_listed_cidrs(env: Synthesized) -> None:
    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    vpc_config = cluster["vpc_config"]
    assert vpc_config["endpoint_private_access"] is True
    assert vpc_config["endpoint_public_access"] is env.config.endpoint.public
    if env.config.endpoint.public:
        assert vpc_config["public_access_cidrs"] == list(env.config.endpoint.public_cidrs)
        assert "0.0.0.0/0" not in vpc_config["public_access_cidrs"]
    else:
        assert "public_access_cidrs" not in vpc_config


def test_cluster_access_is_by_access_entries_for_the_configured_principals_only(env: Synthesized) -> None:
    from config.access import principal_key

    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    entries = env.resources("platform", "aws_eks_access_entry")
    associations = env.resources("platform", "aws_eks_access_policy_association")
    if env.config.omits(EmulatorFeature.EKS_ACCESS_API):
        assert not entries and "access_config" not in cluster
        return
    assert cluster["access_config"]["authentication_mode"] == "API"
    assert cluster["access_config"]["bootstrap_cluster_creator_admin_permissions"] is False
    assert not env.data("platform", "aws_iam_session_context")  # no implicit "whoever ran the apply"
    config = env.config
    principals = {*config.cluster_admin_arns, *config.cluster_viewer_arns, *config.namespace_editors}
    expected = {f"eks_access_{principal_key(p)}": p for p in principals}
    if not config.endpoint.public:  # and the deploy runner's own (tests/eks_platform/test_deploy_runner.py)
        expected["deploy_runner_access_entry"] = "${aws_iam_role.deploy_runner_role.arn}"
    assert {name: entry["principal_arn"] for name, entry in entries.items()} == expected

    def granted(principal: str) -> dict[str, dict]:
        prefix = f"eks_access_{principal_key(principal)}_"
        return {
            a["policy_arn"].rsplit("/", 1)[1]: a["access_scope"]
            for name, a in associations.items()
            if name.startswith(prefix)
            and a["principal_arn"] == f"${{aws_eks_access_entry.eks_access_{principal_key(principal)}.principal_arn}}"
        }

    for arn in config.cluster_admin_arns:
        assert granted(arn) == {"AmazonEKSClusterAdminPolicy": {"type": "cluster"}}
    for arn in config.cluster_viewer_arns:
        assert granted(arn)["AmazonEKSViewPolicy"] == {"type": "cluster"}
    for arn, namespaces in config.namespace_editors.items():
        # a service team holds no access policy, only its namespaces' groups (bound in workloads/team_access.py)
        assert granted(arn) == {}, arn
        assert entries[f"eks_access_{principal_key(arn)}"]["kubernetes_groups"] == [f"tap:service-team:{n}" for n in namespaces]
    assert config.namespace_editors  # every shipped environment shows a service team


def test_access_entries_are_named_by_the_principal_not_its_position() -> None:
    from config.access import principal_key

    assert principal_key("arn:aws:iam::111122223333:role/ops/platform-admin") == "111122223333_role_ops_platform-admin"
    assert principal_key("arn:aws:iam::111122223333:user/alice") != principal_key("arn:aws:iam::444455556666:user/alice")


def test_the_private_endpoint_admits_the_configured_sources_on_443_only(env: Synthesized) -> None:
    rules = {
        name: r
        for name, r in env.resources("platform", "aws_vpc_security_group_ingress_rule").items()
        if name.startswith("eks_api_ingress_")
    }
    endpoint = env.config.endpoint
    sources = {r.get("cidr_ipv4") or r.get("referenced_security_group_id") for r in rules.values()}
    assert sources == {*endpoint.private_access_cidrs, *endpoint.private_access_security_groups}
    for rule in rules.values():
        assert rule["security_group_id"] == "${aws_eks_cluster.eks_cluster.vpc_config[0].cluster_security_group_id}"
        assert (rule["ip_protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 443, 443)
    if env.config.name == "prod":  # no public endpoint: this is the deployer's and operators' way in
        assert not endpoint.public and rules


def test_the_endpoint_skip_is_only_for_the_public_endpoint_being_on(env: Synthesized) -> None:
    from app_support.checkov_skips import skips_in

    (cluster,) = env.resources("platform", "aws_eks_cluster").values()
    skips = skips_in(cluster)
    assert "CKV_AWS_38" not in skips  # a world-open endpoint must fail the gate, never be skipped
    assert set(skips) == ({"CKV_AWS_39"} if env.config.endpoint.public else set())


# --- fargate --------------------------------------------------------------------------------------


def test_a_fixed_set_of_profiles_covers_kube_system_and_every_service_pod_in_private_subnets(env: Synthesized) -> None:
    profiles = env.resources("platform", "aws_eks_fargate_profile")
    selectors = {p["fargate_profile_name"]: p["selector"] for p in profiles.values()}
    key, value = SERVICE_POD_LABEL
    # No profile per service: the `services` profile selects the chart's pod label in every namespace.
    assert selectors == {
        "kube-system": [{"namespace": "kube-system"}],
        "amazon-cloudwatch": [{"namespace": "amazon-cloudwatch"}],  # the Container Insights collector's
        "services": [{"namespace": "*", "labels": {key: value}}],
    }
    private = {f"${{aws_subnet.network_private_{zone}.id}}" for zone in env.config.vpc.availability_zones}
    for profile in profiles.values():
        assert set(profile["subnet_ids"]) == private


def test_profiles_are_created_one_at_a_time(env: Synthesized) -> None:
    profiles = env.resources("platform", "aws_eks_fargate_profile")
    waits_for = {name: {d.split(".")[1] for d in depends_on(p) if d.startswith("aws_eks_fargate_profile.")} for name, p in profiles.items()}
    # A single chain: one profile waits for none, every other for exactly one, and no two for the same.
    assert sorted(len(v) for v in waits_for.values()) == [0] + [1] * (len(profiles) - 1)
    predecessors = [next(iter(v)) for v in waits_for.values() if v]
    assert len(set(predecessors)) == len(predecessors)


def test_pod_execution_role_trusts_only_this_clusters_profiles(env: Synthesized) -> None:
    trust = env.data("platform", "aws_iam_policy_document")["fargate_pod_execution_trust"]
    (statement,) = trust["statement"]
    assert statement["principals"] == [{"identifiers": ["eks-fargate-pods.amazonaws.com"], "type": "Service"}]
    (condition,) = statement["condition"]
    assert condition["variable"] == "aws:SourceArn"
    assert condition["values"][0].endswith(f":fargateprofile/{env.config.cluster_name}/*")


def test_pod_execution_role_may_write_only_to_workload_log_groups(env: Synthesized) -> None:
    logging = env.data("platform", "aws_iam_policy_document")["fargate_fargate_logging"]
    (statement,) = logging["statement"]
    assert set(statement["actions"]) == {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}
    # One pattern for all workload groups, whatever the number of services (inline policies are size-capped),
    # and the router's own group (flb_log_cw); never CreateLogGroup.
    workloads, router = statement["resources"]
    for resource in (workloads, router):
        assert resource.startswith("arn:${data.aws_partition.partition.partition}:logs:")
    assert workloads.endswith(f":log-group:/aws/eks/{env.config.cluster_name}/workloads/*:*")
    assert router.endswith(f":log-group:{env.config.cluster_name}-fluent-bit-logs:*")


# --- add-ons --------------------------------------------------------------------------------------


def test_addons_are_pinned_to_the_reviewed_version_and_never_float(env: Synthesized) -> None:
    addons = env.resources("platform", "aws_eks_addon")
    assert not env.data("platform", "aws_eks_addon_version"), "a version looked up at plan time follows AWS, not a review"
    if env.config.omits(EmulatorFeature.EKS_ADDONS):
        assert not addons
        return
    # Only CoreDNS runs on Fargate; kube-proxy and the VPC CNI add-ons do nothing on Fargate nodes (config/eks_addons.yaml).
    (coredns,) = addons.values()
    assert coredns["addon_name"] == "coredns"
    assert re.fullmatch(r"v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+", coredns["addon_version"])
    assert coredns["addon_version"] == yaml.safe_load(ADDON_TABLE.read_text())["coredns"][env.config.kubernetes_version]


def test_coredns_runs_on_fargate_and_waits_for_the_kube_system_profile(env: Synthesized) -> None:
    if env.config.omits(EmulatorFeature.EKS_ADDONS):
        return
    coredns = env.resources("platform", "aws_eks_addon")["addons_coredns"]
    assert json.loads(coredns["configuration_values"])["computeType"] == "fargate"
    assert "aws_eks_fargate_profile.fargate_profile_kube-system" in depends_on(coredns)


# --- ECR and secrets ---------------------------------------------------------------------------------


def test_each_service_has_a_scanned_immutable_encrypted_repository(env: Synthesized) -> None:
    repositories = env.resources("platform", "aws_ecr_repository")
    assert {r["name"] for r in repositories.values()} == {f"{env.config.cluster_name}/{s.repository}" for s in env.config.services.values()}
    for repository in repositories.values():
        assert repository["image_tag_mutability"] == "IMMUTABLE"
        assert repository["image_scanning_configuration"]["scan_on_push"] is True
        assert repository["encryption_configuration"][0]["encryption_type"] == "KMS"
        assert repository["force_delete"] is env.config.ecr.force_delete
    assert not (env.config.protected and any(r["force_delete"] for r in repositories.values()))


def expired_by(policy: dict, images: list[tuple[str | None, int]], today: int) -> set[str | None]:
    """ECR's documented evaluation: rules in priority order; an image matched by a rule's tag
    selection is not considered by lower-priority rules; count rules keep the newest N.
    `images` are (tag or None, pushed day)."""
    considered = list(images)
    expired: set[str | None] = set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        selection = rule["selection"]

        def selects(image: tuple[str | None, int], selection: dict = selection) -> bool:
            tag = image[0]
            if selection["tagStatus"] == "untagged":
                return tag is None
            assert selection["tagStatus"] == "tagged"
            return tag is not None and all(fnmatch.fnmatchcase(tag, p) for p in selection["tagPatternList"])

        matched = [i for i in considered if selects(i)]
        if selection["countType"] == "imageCountMoreThan":
            newest_first = sorted(matched, key=lambda i: -i[1])
            expired |= {i[0] for i in newest_first[selection["countNumber"] :]}
        else:
            expired |= {i[0] for i in matched if today - i[1] > selection["countNumber"]}
        considered = [i for i in considered if i not in matched]
    return expired


def test_lifecycle_never_expires_a_deployed_tag_and_bounds_the_rest(env: Synthesized) -> None:
    policies = env.resources("platform", "aws_ecr_lifecycle_policy")
    ecr = env.config.ecr
    for service, tags in env.config.deployed_image_tags.items():
        policy = json.loads(policies[f"ecr_lifecycle_{service}"]["policy"])
        assert tags and all(r["selection"]["tagStatus"] != "any" for r in policy["rules"])
        protected = [r["selection"]["tagPatternList"] for r in policy["rules"][: len(tags)]]
        assert protected == [[tag] for tag in sorted(tags)]
        # The deployed image is the oldest; many newer tags and old untagged layers pile up after it.
        images = [(tags[0], 0), *((f"9.{n}.0", n) for n in range(1, ecr.keep_last_images + 50)), *((None, n) for n in range(3))]
        expired = expired_by(policy, [(t, d) for t, d in images], today=ecr.untagged_expire_days + 10)
        assert tags[0] not in expired
        kept_tagged = [t for t, _ in images if t is not None and t not in expired and t != tags[0]]
        assert len(kept_tagged) == ecr.keep_last_images
        assert None in expired  # untagged images past their age


def test_each_service_has_a_kms_encrypted_secret(env: Synthesized) -> None:
    secrets = env.resources("platform", "aws_secretsmanager_secret")
    assert len(secrets) == len(env.config.services)
    for secret in secrets.values():
        assert secret["kms_key_id"] == "${aws_kms_key.encryption_platform_data_key.arn}"
        assert secret["recovery_window_in_days"] == env.config.secret_recovery_window_days
        assert (secret["recovery_window_in_days"] == 0) is (not env.config.protected)


def test_names_are_deterministic_per_environment(synthesized: dict[str, Synthesized]) -> None:
    """No random suffix: the same config gives the same names on every synth."""
    for env in synthesized.values():
        (cluster,) = env.resources("platform", "aws_eks_cluster").values()
        assert cluster["name"] == f"tap-{env.config.suffix}"
    names = [s.resources("platform", "aws_eks_cluster")["eks_cluster"]["name"] for s in synthesized.values()]
    assert len(set(names)) == len(names)


# --- outputs ------------------------------------------------------------------------------------------


def test_platform_exports_every_typed_output(env: Synthesized) -> None:
    assert set(env.platform["output"]) == set(PlatformOutputs.names())
    command = env.platform["output"]["kubeconfig_command"]["value"]
    assert command == f"aws eks update-kubeconfig --name {env.config.cluster_name} --region {env.config.region}"


def test_state_backend_matches_the_environment(env: Synthesized) -> None:
    backend = env.platform["terraform"]["backend"]
    if env.config.backend.kind == "s3":
        assert backend["s3"]["encrypt"] is True and backend["s3"]["use_lockfile"] is True
        assert backend["s3"]["key"].endswith(f"/{env.config.name}/platform.tfstate")
    else:
        assert backend["local"]["path"].endswith(f"/{env.config.name}/platform.tfstate")


def test_only_the_local_environment_talks_to_an_emulator(env: Synthesized) -> None:
    (provider,) = env.platform["provider"]["aws"]
    if env.config.emulator is None:
        assert "endpoints" not in provider and "access_key" not in provider
    else:
        endpoints = provider["endpoints"][0]
        assert set(endpoints.values()) == {"${var.emulator_endpoint}"}
        assert env.platform["variable"]["emulator_endpoint"]["default"] == env.config.emulator.endpoint
