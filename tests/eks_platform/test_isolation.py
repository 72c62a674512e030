"""The isolation table of docs/security.md, one test per row, on the synthesized platform JSON.

Expected values come from AWS's documentation (which APIs have gateway endpoints, the endpoint
service names) and from the configuration files, never from the code under test.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from config.model import EmulatorFeature
from tests.conftest import FOURTH_SERVICE, Synthesized

CLUSTER_GROUP = "${aws_eks_cluster.eks_cluster.vpc_config[0].cluster_security_group_id}"
ENDPOINTS_GROUP = "${aws_security_group.vpc_endpoints_security_group.id}"
PEERS = ("cidr_ipv4", "cidr_ipv6", "referenced_security_group_id", "prefix_list_id")
# AWS (VPC user guide, "Gateway endpoints"): gateway endpoints exist for S3 and DynamoDB only; every
# other API an SDK calls needs an interface endpoint, named com.amazonaws.<region>.<suffix>.
AWS_ENDPOINT_OF_PERMISSION = {
    "dynamodb_tables": ("dynamodb", "Gateway"),
    "s3_prefixes": ("s3", "Gateway"),
    "sqs_queues": ("sqs", "Interface"),
    "sns_topics": ("sns", "Interface"),
    "sagemaker_endpoints": ("sagemaker.runtime", "Interface"),
    "athena_workgroups": ("athena", "Interface"),
    "glue_databases": ("glue", "Interface"),
}
# What Fargate and the platform's own pods call whatever the services: image pulls (ECR api and
# dkr, layers from S3), IRSA (STS), the log router and collector (Logs), the services' secrets.
PLATFORM_INTERFACE = {"ecr.api", "ecr.dkr", "sts", "logs", "secretsmanager"}


def rules(env: Synthesized, direction: str) -> dict[str, dict[str, Any]]:
    return env.resources("platform", f"aws_vpc_security_group_{direction}_rule")


def group_ref(logical: str) -> str:
    return f"${{aws_security_group.{logical}.id}}"


def service_group(service: str) -> str:
    return group_ref(f"security_groups_service_{service.replace('-', '_')}")


PODS = group_ref("security_groups_pods")


def peer(rule: dict[str, Any]) -> tuple[str, str]:
    ((kind, value),) = [(k, rule[k]) for k in PEERS if k in rule]
    return kind, value


def prefix_list(api: str) -> str:
    return f"${{aws_vpc_endpoint.vpc_endpoints_{api}.prefix_list_id}}"


def scheme_of(env: Synthesized, service: str) -> str | None:
    from eks_platform.service_network import chart_values

    values = chart_values(env.config.services[service])
    return values["ingress"]["scheme"] if values["ingress"]["enabled"] else None


def test_one_rule_style_everywhere(env: Synthesized) -> None:
    """aws_vpc_security_group_*_rule only: mixed with aws_security_group_rule or inline rules, the
    AWS provider warns of perpetual diffs and overwritten rules (issue 22)."""
    assert not env.resources("platform", "aws_security_group_rule")
    for name, group in env.resources("platform", "aws_security_group").items():
        assert "ingress" not in group and "egress" not in group, name
    for rule in [*rules(env, "ingress").values(), *rules(env, "egress").values()]:
        assert len([k for k in PEERS if k in rule]) == 1  # one peer per rule
        assert rule["ip_protocol"] in ("tcp", "udp") and rule["from_port"] == rule["to_port"]  # one port, never "all"


def test_service_pods_have_no_internet_egress(env: Synthesized) -> None:
    """Row 1: the groups on service pods open no CIDR but the service's own declared `egress`."""
    declared = {service_group(s): {(cidr, port) for cidr, port in spec.egress_rules} for s, spec in env.config.services.items()}
    on_pods = {PODS, *declared}
    for name, rule in rules(env, "egress").items():
        if rule["security_group_id"] not in on_pods:
            continue
        kind, value = peer(rule)
        if kind == "cidr_ipv4":
            assert (value, rule["from_port"]) in declared.get(rule["security_group_id"], set()), name
            assert ipaddress.IPv4Network(value).prefixlen >= 8, name


def test_every_aws_api_a_service_uses_has_an_endpoint_and_no_other_is_paid_for(env: Synthesized) -> None:
    """Row 2: an interface endpoint per API in use (and only those), gateway endpoints for S3 and DynamoDB."""
    endpoints = env.resources("platform", "aws_vpc_endpoint")
    region = env.config.region
    used = {
        AWS_ENDPOINT_OF_PERMISSION[kind]
        for spec in env.config.services.values()
        for kind in AWS_ENDPOINT_OF_PERMISSION
        if getattr(spec.permissions, kind)
    }
    wanted_interface = PLATFORM_INTERFACE | {api for api, kind in used if kind == "Interface"}
    wanted_gateway = {"s3"} | {api for api, kind in used if kind == "Gateway"}
    interface = {e["service_name"]: e for e in endpoints.values() if e["vpc_endpoint_type"] == "Interface"}
    gateway = {e["service_name"]: e for e in endpoints.values() if e["vpc_endpoint_type"] == "Gateway"}
    assert set(interface) == {f"com.amazonaws.{region}.{api}" for api in wanted_interface}
    assert set(gateway) == {f"com.amazonaws.{region}.{api}" for api in wanted_gateway}
    private_subnets = {f"${{aws_subnet.network_private_{zone}.id}}" for zone in env.config.vpc.availability_zones}
    private_tables = {f"${{aws_route_table.network_private_{zone}_route_table.id}}" for zone in env.config.vpc.availability_zones}
    for endpoint in interface.values():
        # private DNS: the SDK's default regional hostname resolves to the endpoint, so no client setting is needed
        assert endpoint["private_dns_enabled"] is True
        assert set(endpoint["subnet_ids"]) == private_subnets
        assert endpoint["security_group_ids"] == [ENDPOINTS_GROUP]
    for endpoint in gateway.values():
        assert set(endpoint["route_table_ids"]) == private_tables


def test_an_unused_interface_endpoint_is_not_created() -> None:
    from eks_platform.vpc_endpoints import endpoint_plan

    interface, gateways = endpoint_plan(set())
    assert set(interface.values()) == PLATFORM_INTERFACE and gateways == ("s3",)
    interface, gateways = endpoint_plan({"sqs", "dynamodb"})
    assert set(interface.values()) == PLATFORM_INTERFACE | {"sqs"} and gateways == ("dynamodb", "s3")


def test_every_permission_kind_names_its_endpoint() -> None:
    """A new kind of `permissions` must say which endpoint its calls take, or its pods could not reach it."""
    from config.service import Permissions
    from eks_platform.service_network import PERMISSION_ENDPOINTS

    assert set(Permissions.model_fields) == set(AWS_ENDPOINT_OF_PERMISSION)
    assert PERMISSION_ENDPOINTS == AWS_ENDPOINT_OF_PERMISSION


def test_endpoint_security_group_admits_only_the_vpc_on_443(env: Synthesized) -> None:
    group = env.resources("platform", "aws_security_group")["vpc_endpoints_security_group"]
    assert "ingress" not in group and "egress" not in group
    (ingress,) = [r for r in rules(env, "ingress").values() if r["security_group_id"] == ENDPOINTS_GROUP]
    assert (ingress["from_port"], ingress["ip_protocol"], ingress["cidr_ipv4"]) == (443, "tcp", env.config.vpc.cidr)
    assert not [r for r in rules(env, "egress").values() if r["security_group_id"] == ENDPOINTS_GROUP]


def test_the_shared_pods_group_reaches_only_dns_the_api_server_and_aws_endpoints(env: Synthesized) -> None:
    """Row 3: DNS and HTTPS to the cluster group, HTTPS to the endpoints' group and to S3's prefix list."""
    egress = {(r["ip_protocol"], r["from_port"], peer(r)) for r in rules(env, "egress").values() if r["security_group_id"] == PODS}
    expected = {("tcp", 443, ("referenced_security_group_id", ENDPOINTS_GROUP)), ("tcp", 443, ("prefix_list_id", prefix_list("s3")))}
    if not env.config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP):
        cluster = ("referenced_security_group_id", CLUSTER_GROUP)
        expected |= {("udp", 53, cluster), ("tcp", 53, cluster), ("tcp", 443, cluster)}
    assert egress == expected


def test_the_cluster_group_admits_pods_only_for_dns_and_the_api(env: Synthesized) -> None:
    if env.config.omits(EmulatorFeature.EKS_CLUSTER_SECURITY_GROUP):
        return
    ingress = list(rules(env, "ingress").values())
    from_pods = {(r["ip_protocol"], r["from_port"]) for r in ingress if r["security_group_id"] == CLUSTER_GROUP and peer(r)[1] == PODS}
    assert from_pods == {("udp", 53), ("tcp", 53), ("tcp", 443)}
    kubelet = [r for r in ingress if r["security_group_id"] == PODS]
    assert {(r["from_port"], peer(r)[1]) for r in kubelet} >= {(10250, CLUSTER_GROUP)}


def test_no_group_on_service_pods_admits_itself(env: Synthesized) -> None:
    groups = {PODS, *(service_group(s) for s in env.config.services)}
    for rule in [*rules(env, "ingress").values(), *rules(env, "egress").values()]:
        if rule["security_group_id"] in groups:
            assert peer(rule)[1] != rule["security_group_id"]


def test_a_service_port_is_reached_only_by_its_load_balancer_and_declared_callers(env: Synthesized) -> None:
    """Row 4: `reaches` is the only path between services."""
    for service, spec in env.config.services.items():
        into = [r for r in rules(env, "ingress").values() if r["security_group_id"] == service_group(service)]
        port = int(spec.values.get("containerPort", 8080))
        assert all(peer(r)[0] == "referenced_security_group_id" and r["from_port"] == port for r in into)
        callers = {service_group(s) for s, other in env.config.services.items() if service in other.reaches}
        scheme = scheme_of(env, service)
        alb = {group_ref(f"security_groups_alb_{scheme.replace('-', '_')}")} if scheme else set()
        assert {peer(r)[1] for r in into} == alb | callers, service
    for service, spec in env.config.services.items():
        to_services = {
            peer(r)[1]
            for r in rules(env, "egress").values()
            if r["security_group_id"] == service_group(service) and peer(r)[1].startswith("${aws_security_group.security_groups_service_")
        }
        assert to_services == {service_group(target) for target in spec.reaches}


def test_the_internal_load_balancer_admits_only_the_named_networks_outside_the_cluster(env: Synthesized) -> None:
    """Row 5: never the VPC (its pods), only `vpc.internal_clients`; the internet-facing one the internet."""
    expected = {
        "internal": {(port, cidr) for cidr in env.config.vpc.internal_clients for port in (80, 443)},
        "internet-facing": {(80, "0.0.0.0/0"), (443, "0.0.0.0/0")},
    }
    groups = env.resources("platform", "aws_security_group")
    for scheme, sources in expected.items():
        logical = f"security_groups_alb_{scheme.replace('-', '_')}"
        used = any(scheme_of(env, s) == scheme for s in env.config.services)
        assert (logical in groups) == used, f"an ALB group exists exactly when a service uses {scheme}"
        if not used:
            continue
        into = [r for r in rules(env, "ingress").values() if r["security_group_id"] == group_ref(logical)]
        assert {(r["from_port"], r["cidr_ipv4"]) for r in into} == sources
        vpc = ipaddress.IPv4Network(env.config.vpc.cidr)
        if scheme == "internal":
            assert not any(ipaddress.IPv4Network(r["cidr_ipv4"]).overlaps(vpc) for r in into)


def test_gateway_apis_are_opened_only_to_the_services_that_use_them(env: Synthesized) -> None:
    """DynamoDB's prefix list is on the groups of services with dynamodb_tables, nowhere else."""
    with_dynamodb = {
        rule["security_group_id"]
        for rule in rules(env, "egress").values()
        if rule.get("prefix_list_id") == prefix_list("dynamodb") and rule["from_port"] == 443
    }
    users = {service_group(s) for s, spec in env.config.services.items() if spec.permissions.dynamodb_tables}
    assert with_dynamodb == users


def test_a_declared_egress_lands_on_that_services_group_only(onboarded: Synthesized) -> None:
    """Row 6: `egress` in service.yaml: one rule per CIDR and port, on the service's own group."""
    cidr_rules = {
        (r["security_group_id"], r["cidr_ipv4"], r["from_port"])
        for r in rules(onboarded, "egress").values()
        if "cidr_ipv4" in r and r["security_group_id"] != group_ref("security_groups_alb_internal")
    }
    ledger = service_group(FOURTH_SERVICE)
    assert cidr_rules == {(ledger, "203.0.113.0/24", 443), (ledger, "203.0.113.0/24", 8443)}
    test_service_pods_have_no_internet_egress(onboarded)


def test_every_rule_is_described_except_where_the_emulator_loses_it(env: Synthesized) -> None:
    from app_support.checkov_skips import skips_in

    lossy = env.config.omits(EmulatorFeature.REFERENCED_RULE_DESCRIPTIONS)
    for name, rule in [*rules(env, "ingress").items(), *rules(env, "egress").items()]:
        if "description" in rule:
            continue
        assert lossy and peer(rule)[0] != "cidr_ipv4", name
        assert "emulator" in skips_in(rule)["CKV_AWS_23"], name
