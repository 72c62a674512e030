"""A stack whose Terraform logical ids are the construct path, readable and stable.

cdktf's default appends a hash to every nested id (`network_vpc_3F1A2B4C`). Here the id is
the path below the stack joined with '_' (`network_vpc`): what a reviewer sees in a plan is
what the code says. Ids are interface: renaming a construct replaces its resource.
"""

from __future__ import annotations

from cdktf import TerraformElement, TerraformStack


class ReadableStack(TerraformStack):
    def _allocate_logical_id(self, tf_element: TerraformElement) -> str:
        path = tf_element.node.path.split("/")[1:]
        logical_id = "_".join(path)
        owner = getattr(self, "_logical_ids", None)
        if owner is None:
            owner = self._logical_ids = {}
        if owner.setdefault(logical_id, tf_element.node.path) != tf_element.node.path:
            raise ValueError(f"two constructs map to the Terraform id {logical_id!r}: {owner[logical_id]} and {tf_element.node.path}")
        return logical_id
