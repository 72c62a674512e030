"""A stack whose Terraform logical ids are the construct path, and which carries checkov skips.

cdktf's default appends a hash to every nested id (`network_vpc_3F1A2B4C`). Here the id is
the path below the stack joined with '_' (`network_vpc`): what a reviewer sees in a plan is
what the code says. Ids are interface: renaming a construct replaces its resource.

checkov suppressions (checkov_skips.skip_checks) are written into each block's `//` comment
when the stack renders: cdktf overwrites a data source's `//` with its own metadata, so an
override cannot put them there.
"""

from __future__ import annotations

from typing import Any

from cdktf import TerraformElement, TerraformStack
from constructs import Construct

from app_support.checkov_skips import COMMENT_KEY, FIELD


class ReadableStack(TerraformStack):
    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        self._logical_ids: dict[str, str] = {}
        self._suppressions: dict[str, str] = {}

    def suppress(self, element: TerraformElement, directives: str) -> None:
        self._suppressions[element.node.path] = directives

    def to_terraform(self) -> Any:
        document = super().to_terraform()
        suppressions = self._suppressions
        for section in ("resource", "data"):
            for blocks in document.get(section, {}).values():
                for block in blocks.values():
                    comment = block.get(COMMENT_KEY, {})
                    directives = suppressions.get(comment.get("metadata", {}).get("path"))
                    if directives:
                        comment[FIELD] = directives
        return document

    def _allocate_logical_id(self, tf_element: TerraformElement) -> str:
        # One jsii round trip for the path (a callback from node, once per element): at 100
        # services the stack has over 1,000 elements.
        full_path = tf_element.node.path
        logical_id = "_".join(full_path.split("/")[1:])
        owner = self._logical_ids
        if owner.setdefault(logical_id, full_path) != full_path:
            raise ValueError(f"two constructs map to the Terraform id {logical_id!r}: {owner[logical_id]} and {full_path}")
        return logical_id
