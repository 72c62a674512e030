"""config/quotas.py against the limits as read from their sources (config/data/aws_quotas.json, with the
page or repository each was read from). A limit typed from memory into quotas.py fails here; a limit
whose source was not re-read is named in the record with why, and every limit has a record."""

from __future__ import annotations

import json

import config.quotas as quotas
from config.quotas import Quota
from tests.conftest import REPO_ROOT

RECORD = json.loads((REPO_ROOT / "config" / "data" / "aws_quotas.json").read_text())


def our_limits() -> dict[str, int]:
    """Every upper-case int or Quota constant of config/quotas.py, by name."""
    found = {}
    for name, value in vars(quotas).items():
        if name.isupper() and isinstance(value, Quota):
            found[name] = value.limit
        elif name.isupper() and isinstance(value, int):
            found[name] = value
    return found


def test_every_limit_has_a_record_with_its_source() -> None:
    assert set(RECORD["quotas"]) == set(our_limits())
    for name, fact in RECORD["quotas"].items():
        assert fact["source"] and fact["name"], name
        assert fact["value"] is not None or fact.get("why"), f"{name}: a limit not re-read says why"


def test_every_limit_read_from_its_source_is_the_one_we_enforce() -> None:
    ours = our_limits()
    read = {name: fact["value"] for name, fact in RECORD["quotas"].items() if fact["value"] is not None}
    assert len(read) >= 10
    assert {name: ours[name] for name in read} == read


def test_a_quota_names_the_limit_its_record_names() -> None:
    """The refusal message quotes the quota's name; it must be the name AWS gives it."""
    for name, value in vars(quotas).items():
        if isinstance(value, Quota) and RECORD["quotas"][name]["value"] is not None:
            assert RECORD["quotas"][name]["name"].split(" (")[0] in value.source, name
