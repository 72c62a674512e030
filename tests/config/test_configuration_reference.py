"""docs/configuration.md states every field of the typed configuration and every limit of config/quotas.py, so the
reference cannot drift from the models: a field added without a line in the reference fails here."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator, Mapping

from pydantic import BaseModel

from config import quotas
from config.environment import EnvironmentConfig
from config.service import ServiceConfig
from tests.conftest import REPO_ROOT

REFERENCE = REPO_ROOT / "docs" / "configuration.md"
# Not written in a file by that name: the environment's services are its service folders, a service's
# values are its values files (both described in the reference in their own sections).
NOT_FIELDS = {"services", "values"}


def models_in(annotation: object) -> tuple[list[type[BaseModel]], bool]:
    """The models an annotation holds, and whether they sit inside a map or a list (a path step of their own)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation], False
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        found = [model for argument in arguments for model in models_in(argument)[0]]
        return found, any(models_in(argument)[1] for argument in arguments)
    if origin is not None and arguments:
        step = "map" if isinstance(origin, type) and issubclass(origin, Mapping) else "list"
        models = [model for argument in arguments for model in models_in(argument)[0]]
        return models, bool(models) and step in ("map", "list")
    return [], False


def field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Dotted paths as a user writes them: `vpc.cidr`, `fargate_profiles.<name>.selectors[].namespace`."""
    for name, field in model.model_fields.items():
        if name in NOT_FIELDS:
            continue
        path = prefix + name
        yield path
        nested, collection = models_in(field.annotation)
        origin = typing.get_origin(field.annotation)
        step = ""
        if collection:
            step = ".<name>" if isinstance(origin, type) and issubclass(origin, Mapping) else "[]"
        for child in nested:
            yield from field_paths(child, f"{path}{step}.")


def documented() -> set[str]:
    return set(re.findall(r"`([^`]+)`", REFERENCE.read_text()))


def test_every_environment_field_is_in_the_reference() -> None:
    missing = sorted(set(field_paths(EnvironmentConfig)) - documented())
    assert not missing, f"docs/configuration.md does not state: {missing}"


def test_every_service_file_field_is_in_the_reference() -> None:
    missing = sorted(set(field_paths(ServiceConfig)) - documented())
    assert not missing, f"docs/configuration.md does not state: {missing}"


def test_every_quota_is_in_the_reference_with_its_limit() -> None:
    text = REFERENCE.read_text().replace(",", "")
    for name in dir(quotas):
        value = getattr(quotas, name)
        if isinstance(value, quotas.Quota):
            quoted = re.search(r"'([^']+)'", value.source)
            assert quoted and quoted.group(1) in text, f"{name}: the quota's name is not in the reference"
            assert str(value.limit) in text, f"{name}: its limit {value.limit} is not in the reference"
