"""Which two Ingress routes on one shared load balancer can match the same request.

An ALB host condition's `*` matches zero or more characters and the comparison ignores case
(Elastic Load Balancing API Reference, HostHeaderConditionConfig, Values: "* (matches 0 or more
characters)"); the chart admits only a leading `*.`. So `*.a.example.com` matches exactly the hosts
ending in `.a.example.com`: two wildcard hosts share a request only when one suffix ends with the
other, and an exact host only when it ends with the wildcard's suffix.
"""

from __future__ import annotations

import pytest

from workloads.ingress_groups import routes_overlap


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("*.payments.example.com", "*.reports.example.com"),  # x.payments.example.com never ends in .reports.example.com
        ("*.b.example.com", "*.ab.example.com"),  # x.ab.example.com ends in b.example.com, not in .b.example.com
        ("*.example.com", "example.com"),  # the '.' before the suffix is part of the pattern
        ("api.example.com", "*.example.org"),
    ],
)
def test_hosts_no_request_can_carry_do_not_overlap(first: str, second: str) -> None:
    assert not routes_overlap((first, "/"), (second, "/"))
    assert not routes_overlap((second, "/"), (first, "/"))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("*.example.com", "*.api.example.com"),  # x.api.example.com matches both
        ("*.example.com", "*.example.com"),
        ("*.example.com", "a.b.example.com"),  # '*' matches 'a.b'
        ("", "*.example.com"),  # no host: every host
        ("api.example.com", "api.example.com"),
    ],
)
def test_hosts_one_request_can_carry_overlap(first: str, second: str) -> None:
    assert routes_overlap((first, "/"), (second, "/"))
    assert routes_overlap((second, "/"), (first, "/"))


def test_overlapping_hosts_on_disjoint_paths_do_not_overlap() -> None:
    assert not routes_overlap(("*.example.com", "/payments"), ("*.api.example.com", "/reports"))
