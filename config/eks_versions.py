"""Whether AWS still supports (and still creates) a Kubernetes version on EKS, from eks_versions.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

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


def support_windows() -> dict[str, SupportWindow]:
    """Every listed version, oldest first."""
    rows = yaml.safe_load(TABLE.read_text())
    return {version: SupportWindow(version, **rows[version]) for version in sorted(rows, key=_key)}


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
