"""Whether AWS still supports (and still creates) a Kubernetes version on EKS, from eks_versions.yaml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from config.errors import ConfigError
from config.user_files import display, read_user_yaml

TABLE = Path(__file__).with_name("eks_versions.yaml")
MOVING_SECTION = "README: 'Moving to a supported Kubernetes version'"


@dataclass(frozen=True)
class SupportWindow:
    version: str
    standard_support_end: dt.date
    extended_support_end: dt.date

    def creatable(self, today: dt.date) -> bool:
        """AWS creates clusters of a version until its extended support ends."""
        return today <= self.extended_support_end


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


VERSION = re.compile(r"1\.[0-9]{1,3}", flags=re.ASCII)
FIELDS = ("standard_support_end", "extended_support_end")


def support_windows() -> dict[str, SupportWindow]:
    """Every listed version, oldest first. The table is edited by hand, so it is read as any user file
    (config/user_files.py) and each row checked: a version key, exactly the two dates, real calendar dates."""
    rows = read_user_yaml(TABLE, TABLE.parent)
    windows = {}
    for version, row in rows.items():
        where = f"{display(TABLE)}: {version}"
        if not VERSION.fullmatch(version):
            raise ConfigError(f'{where}: {version!r} is not a Kubernetes minor version like "1.29" (quote it)')
        if not isinstance(row, dict) or sorted(row) != sorted(FIELDS):
            raise ConfigError(f"{where}: a row is {{{', '.join(f + ': YYYY-MM-DD' for f in FIELDS)}}}, exactly these two fields")
        dates = {}
        for field in FIELDS:
            try:
                dates[field] = dt.date.fromisoformat(str(row[field]))
            except ValueError:
                raise ConfigError(f"{where}.{field}: {str(row[field])!r} is not a calendar date (YYYY-MM-DD)") from None
        if dates["extended_support_end"] < dates["standard_support_end"]:
            raise ConfigError(f"{where}.extended_support_end: ends before standard_support_end")
        windows[version] = SupportWindow(version, **dates)
    return {version: windows[version] for version in sorted(windows, key=_key)}


def oldest_creatable(today: dt.date) -> str | None:
    """The oldest listed version AWS still creates clusters of, or None if the table has none left."""
    return next((w.version for w in support_windows().values() if w.creatable(today)), None)


def support_warning(version: str, today: dt.date, *, config_file: str = "config/environments/<env>.yaml") -> str | None:
    """A sentence for the operator when `version` is past a support date, else None."""
    window = support_windows()[version]
    if not window.creatable(today):
        oldest = oldest_creatable(today)
        move = (
            f'The oldest version it creates today is {oldest}: set kubernetes_version: "{oldest}" in {config_file} '
            f"for a new cluster, or raise it one minor version per apply for an existing one ({MOVING_SECTION})."
            if oldest
            else f"No version in config/eks_versions.yaml is still created: add AWS's newer rows ({MOVING_SECTION})."
        )
        return (
            f"AWS no longer creates Kubernetes {version} clusters: its extended support ended on {window.extended_support_end}, "
            f"so applying a new cluster at {version} fails, and AWS upgrades existing {version} control planes on its own schedule. " + move
        )
    if today > window.standard_support_end:
        return (
            f"Kubernetes {version} is in AWS extended support since {window.standard_support_end} "
            f"(billed extra; AWS stops creating {version} clusters after {window.extended_support_end})."
        )
    return None
