"""The reviewed EKS add-on versions (config/eks_addons.yaml): one pinned version per add-on and Kubernetes version."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from config.errors import ConfigError
from config.user_files import read_user_yaml

TABLE = Path(__file__).with_name("eks_addons.yaml")
TABLE_NAME = "config/eks_addons.yaml"
# The add-ons the platform installs (eks_platform/addons.py ADDONS; a test keeps the two equal): the table names
# exactly these, so a misspelled or extra row is refused instead of ignored, and a missing one named.
MANAGED_ADDONS: tuple[str, ...] = ("coredns",)
# EKS add-on versions as AWS publishes them: v<major>.<minor>.<patch>-eksbuild.<n>.
ADDON_VERSION = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+", re.ASCII)
KUBERNETES_VERSION = re.compile(r"1\.[0-9]{2}", re.ASCII)


@functools.cache
def addon_table() -> dict[str, dict[str, str]]:
    """{add-on: {kubernetes version: add-on version}}, checked: a malformed row is one line naming it."""
    # A file the platform team edits: read as untrusted like every other (size, UTF-8, no aliases, tags or duplicate keys).
    rows = read_user_yaml(TABLE, TABLE.parent)
    if sorted(rows) != sorted(MANAGED_ADDONS):
        raise ConfigError(
            f"{TABLE_NAME}: must map exactly the add-ons the platform installs ({', '.join(MANAGED_ADDONS)}) to their versions, "
            f"got {', '.join(map(repr, rows)) or 'none'}"
        )
    table: dict[str, dict[str, str]] = {}
    for addon, versions in rows.items():
        if not isinstance(addon, str) or not isinstance(versions, dict):
            raise ConfigError(f"{TABLE_NAME}: {addon!r}: must map Kubernetes versions to add-on versions")
        for kubernetes, version in versions.items():
            if not isinstance(kubernetes, str) or not KUBERNETES_VERSION.fullmatch(kubernetes):
                raise ConfigError(f'{TABLE_NAME}: {addon}: {kubernetes!r} is not a quoted Kubernetes minor version like "1.35"')
            if not isinstance(version, str) or not ADDON_VERSION.fullmatch(version):
                raise ConfigError(f"{TABLE_NAME}: {addon}.{kubernetes}: {version!r} is not an EKS add-on version like v1.11.4-eksbuild.33")
        table[addon] = dict(versions)
    return table


def addon_versions(kubernetes_version: str) -> dict[str, str]:
    """The pinned version of every add-on for a Kubernetes version; one line when a row is missing."""
    missing = [addon for addon, versions in addon_table().items() if kubernetes_version not in versions]
    if missing:
        raise ConfigError(
            f"{TABLE_NAME}: {', '.join(missing)}: no reviewed version for Kubernetes {kubernetes_version} "
            "(add the row from the EKS user guide's add-on version table, then `make addon-versions` against a real account)"
        )
    return {addon: versions[kubernetes_version] for addon, versions in addon_table().items()}
