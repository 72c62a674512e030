"""Whether AWS still supports a Kubernetes version on EKS, from the table in eks_versions.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

TABLE = Path(__file__).with_name("eks_versions.yaml")


@dataclass(frozen=True)
class SupportWindow:
    version: str
    standard_support_end: dt.date
    extended_support_end: dt.date


def support_windows() -> dict[str, SupportWindow]:
    rows = yaml.safe_load(TABLE.read_text())
    return {version: SupportWindow(version, **dates) for version, dates in rows.items()}


def support_warning(version: str, today: dt.date) -> str | None:
    """A sentence for the operator when `version` is past a support date, else None."""
    window = support_windows()[version]
    if today > window.extended_support_end:
        return (
            f"Kubernetes {version} is past the end of AWS extended support ({window.extended_support_end}); "
            "AWS upgrades such control planes on its own schedule. Set kubernetes_version to a supported "
            "version (README: 'Moving to a supported Kubernetes version')."
        )
    if today > window.standard_support_end:
        return (
            f"Kubernetes {version} is in AWS extended support since {window.standard_support_end} "
            f"(billed extra; ends {window.extended_support_end})."
        )
    return None
