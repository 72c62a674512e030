"""Whether AWS still supports (and still creates) a Kubernetes version on EKS, from eks_versions.yaml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from config.errors import ConfigError
from config.user_files import display, read_user_yaml

TABLE = Path(__file__).with_name("eks_versions.yaml")
MOVING_SECTION = "docs/upgrade.md"


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


def creation_error(version: str, today: dt.date, *, config_file: str = "config/environments/<env>.yaml") -> str | None:
    """One line when AWS no longer creates clusters of `version` (a first apply fails, and AWS moves
    existing control planes on: a plan would then try to go back), else None."""
    window = support_windows()[version]
    if window.creatable(today):
        return None
    oldest = oldest_creatable(today)
    move = (
        f'set kubernetes_version: "{oldest}" or later for a new cluster; an existing one moves one minor version '
        f"per apply ({MOVING_SECTION})"
        if oldest
        else f"no version in config/eks_versions.yaml is still created: add AWS's newer rows ({MOVING_SECTION})"
    )
    return (
        f"{config_file}: kubernetes_version: AWS no longer creates Kubernetes {version} clusters "
        f"(its extended support ended on {window.extended_support_end}) and upgrades existing ones on its own schedule: {move}"
    )


def support_warning(version: str, today: dt.date) -> str | None:
    """A sentence for the operator when `version` is in extended support (billed extra), else None."""
    window = support_windows()[version]
    if window.creatable(today) and today > window.standard_support_end:
        return (
            f"Kubernetes {version} is in AWS extended support since {window.standard_support_end} "
            f"(billed extra; AWS stops creating {version} clusters after {window.extended_support_end})."
        )
    return None


def status_table(today: dt.date) -> str:
    """What AWS offers today, per listed version, as a Markdown table (docs/upgrade.md embeds it; a test
    regenerates it, so the prose cannot go stale without a failing test)."""
    rows = ["| Kubernetes | standard support until | extended support until | today |", "|---|---|---|---|"]
    for window in support_windows().values():
        if not window.creatable(today):
            state = "**not created**: refused by the synth"
        elif today > window.standard_support_end:
            state = "extended support (billed extra): the synth warns"
        else:
            state = "standard support"
        rows.append(f"| {window.version} | {window.standard_support_end} | {window.extended_support_end} | {state} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m config.eks_versions --markdown: the table docs/upgrade.md embeds
    import sys

    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m config.eks_versions --markdown")
    print(status_table(dt.date.today()))
