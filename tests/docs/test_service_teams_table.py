"""docs/service-teams.md's table of what a service team may not set in a values file is the list the
synth refuses (config/reserved.py): a key added there without the guide, or the reverse, fails."""

from __future__ import annotations

import re

from config.reserved import PLATFORM_OWNED_VALUES
from tests.conftest import REPO_ROOT

GUIDE = (REPO_ROOT / "docs" / "service-teams.md").read_text()


def test_the_guides_platform_owned_keys_are_the_ones_refused() -> None:
    (row,) = [line for line in GUIDE.splitlines() if line.startswith("| every key of `charts/service/values.schema.json`")]
    owned = row.rsplit("|", 2)[1]
    named = set(re.findall(r"`([A-Za-z.]+)`", owned)) - {"config/reserved.py"}
    assert named == set(PLATFORM_OWNED_VALUES)
