"""Fargate profiles: which pods run on Fargate."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, field_validator

from config.rules import FARGATE_SELECTOR_LABELS_MAX, Frozen, dns_label, labels


class FargateSelector(Frozen):
    namespace: str
    labels: Mapping[str, str] = Field(default_factory=dict)

    _namespace = field_validator("namespace")(lambda v: dns_label(v))
    _labels = field_validator("labels")(lambda v: labels(v, max_count=FARGATE_SELECTOR_LABELS_MAX))


class FargateProfileConfig(Frozen):
    selectors: tuple[FargateSelector, ...]

    @field_validator("selectors")
    @classmethod
    def _one_to_five(cls, value: tuple[FargateSelector, ...]) -> tuple[FargateSelector, ...]:
        if not 1 <= len(value) <= 5:
            raise ValueError(f"a Fargate profile supports 1 to 5 selectors, got {len(value)}")
        return value
