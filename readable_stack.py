"""A stack whose Terraform logical ids are the construct path, readable and stable.

cdktf's default appends a hash to every nested id (`network_vpc_3F1A2B4C`). Here the id is
the path below the stack joined with '_' (`network_vpc`): what a reviewer sees in a plan is
what the code says. Ids are interface: renaming a construct replaces its resource.
"""

from __future__ import annotations

from typing import Any

from cdktf import TerraformElement, TerraformStack

from checkov_skips import COMMENT_KEY, FIELD


class ReadableStack(TerraformStack):
    """Also carries checkov suppressions, written into each block's `//` comment when the stack
    renders (cdktf overwrites a data source's `//` with its own metadata, so an override cannot)."""

    def suppress(self, element: TerraformElement, directives: str) -> None:
        if not hasattr(self, "_suppressions"):
            self._suppressions: dict[str, str] = {}
        self._suppressions[element.node.path] = directives

    def to_terraform(self) -> Any:
        document = super().to_terraform()
        suppressions = getattr(self, "_suppressions", {})
        for section in ("resource", "data"):
            for blocks in document.get(section, {}).values():
                for block in blocks.values():
                    comment = block.get(COMMENT_KEY, {})
                    directives = suppressions.get(comment.get("metadata", {}).get("path"))
                    if directives:
                        comment[FIELD] = directives
        return document

    def _allocate_logical_id(self, tf_element: TerraformElement) -> str:
        path = tf_element.node.path.split("/")[1:]
        logical_id = "_".join(path)
        owner = getattr(self, "_logical_ids", None)
        if owner is None:
            owner = self._logical_ids = {}
        if owner.setdefault(logical_id, tf_element.node.path) != tf_element.node.path:
            raise ValueError(f"two constructs map to the Terraform id {logical_id!r}: {owner[logical_id]} and {tf_element.node.path}")
        return logical_id
