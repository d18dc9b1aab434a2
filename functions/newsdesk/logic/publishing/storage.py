"""What the publish pipeline needs from storage, as a Protocol.

`newsdesk.dal.publishing` (DynamoDB and S3) is the implementation the functions use; the
unit tier uses an in-memory one, so the decision rules are tested without AWS. Writes are
described by the dal's operation builders (`put`, `delete`, `check`) and applied all or
nothing by `transact`, which raises `WriteConflict` when a condition fails.
"""

from __future__ import annotations

from typing import Protocol

from newsdesk.dal.codec import Item
from newsdesk.dal.publishing import Operation, SourceObject, SourceState


class Storage(Protocol):
    """Uploaded objects, reports, source states and items: everything a decision reads."""

    def get_source_state(self, key: str) -> SourceState | None:
        """The last decided state of an uploaded key (strongly consistent), or None."""
        ...

    def read_source(
        self, key: str, version_id: str | None, *, max_bytes: int
    ) -> SourceObject | None:
        """That version (or the current one) of an upload; None if it no longer exists."""
        ...

    def source_exists(self, key: str) -> bool:
        """Whether the key currently has an object."""
        ...

    def read_start(self, key: str, size: int) -> bytes | None:
        """The first `size` bytes of the key's current object; None if it has none."""
        ...

    def get_item(self, pk: str, sk: str) -> Item | None:
        """One item, strongly consistent."""
        ...

    def partition(self, pk: str) -> dict[str, Item]:
        """Every item of one partition by sort key, strongly consistent."""
        ...

    def transact(self, operations: list[Operation]) -> None:
        """Apply all operations or none; a failed condition raises WriteConflict."""
        ...

    def put_report(self, report: Item) -> None:
        """Write the report of one processed upload."""
        ...
