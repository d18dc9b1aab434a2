"""An in-memory `Storage` for the publish pipeline: a versioned bucket and a table in dicts.

It applies the pipeline's operations (the dal's `put`/`delete`/`check` builders) all or nothing
and evaluates the few condition forms the pipeline writes, so the decision rules run in the
unit tier exactly as against DynamoDB, only without AWS. The moto tests keep the real store.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from newsdesk.dal import publishing as store
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo
from newsdesk.logic.publishing.pipeline import UploadEvent

# DynamoDB refuses an item over 400 KB (names and values in UTF-8; JSON is a close upper bound).
MAX_ITEM_BYTES = 400_000
_ATOM = re.compile(r"^attribute_not_exists\((\w+)\)$|^(\w+) = (:\w+)$")


@dataclass
class _Version:
    version_id: str
    data: bytes | None  # None: a delete marker
    last_modified: datetime


@dataclass
class InMemoryStorage:
    """Bucket objects (with versions), table items and reports; `events` makes S3's events."""

    objects: dict[str, list[_Version]] = field(default_factory=dict)
    items: dict[tuple[str, str], Item] = field(default_factory=dict)
    reports: dict[str, Item] = field(default_factory=dict)
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(0x1000))
    _now: datetime = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    # What editors do

    def upload(self, key: str, data: bytes) -> UploadEvent:
        """Put a new version; the ObjectCreated event S3 sends for it."""
        number = next(self._sequence)
        self._now += timedelta(seconds=1)
        self.objects.setdefault(key, []).append(_Version(f"v{number}", data, self._now))
        return UploadEvent(key, False, f"{number:016X}", f"v{number}")

    def delete(self, key: str) -> UploadEvent:
        """Add a delete marker; the ObjectRemoved event."""
        number = next(self._sequence)
        self._now += timedelta(seconds=1)
        self.objects.setdefault(key, []).append(_Version(f"v{number}", None, self._now))
        return UploadEvent(key, True, f"{number:016X}", f"v{number}")

    # Storage

    def get_source_state(self, key: str) -> store.SourceState | None:
        item = self.items.get((store.source_pk(key), store.SOURCE_SK))
        if item is None:
            return None
        return store.SourceState(
            key=key,
            sequencer=item["sequencer"],
            live_sequencer=item.get("live_sequencer"),
            version_id=item.get("version_id"),
            live_slug=item.get("live_slug"),
            outcome=item["outcome"],
            report={"slug": None, **item["report"]},
            revision=item["revision"],
            claimed_slug=item.get("claimed_slug"),
        )

    def read_source(
        self, key: str, version_id: str | None, *, max_bytes: int
    ) -> store.SourceObject | None:
        versions = self.objects.get(key, [])
        if version_id:
            chosen = next((v for v in versions if v.version_id == version_id), None)
        else:
            chosen = versions[-1] if versions else None
        if chosen is None or chosen.data is None:
            return None
        size = len(chosen.data)
        data = chosen.data if size <= max_bytes else None
        return store.SourceObject(key, chosen.version_id, chosen.last_modified, size, data)

    def source_exists(self, key: str) -> bool:
        versions = self.objects.get(key, [])
        return bool(versions) and versions[-1].data is not None

    def read_start(self, key: str, size: int) -> bytes | None:
        versions = self.objects.get(key, [])
        return versions[-1].data[:size] if versions and versions[-1].data is not None else None

    def get_item(self, pk: str, sk: str) -> Item | None:
        item = self.items.get((pk, sk))
        return dict(item) if item is not None else None

    def partition(self, pk: str) -> dict[str, Item]:
        return {sk: dict(item) for (p, sk), item in sorted(self.items.items()) if p == pk}

    def transact(self, operations: list[store.Operation]) -> None:
        for operation in operations:
            [(kind, body)] = operation.items()
            key = _key(body["Item"] if kind == "Put" else body["Key"])
            condition = body.get("ConditionExpression")
            values = from_dynamo(body.get("ExpressionAttributeValues", {}))
            if condition and not _holds(condition, self.items.get(key), values):
                raise store.WriteConflict(f"{kind} {key}: {condition}")
        for operation in operations:
            [(kind, body)] = operation.items()
            if kind == "Put" and _size(from_dynamo(body["Item"])) > MAX_ITEM_BYTES:
                raise ValueError(f"item {_key(body['Item'])} exceeds DynamoDB's 400 KB")
        for operation in operations:
            [(kind, body)] = operation.items()
            if kind == "Put":
                item = from_dynamo(body["Item"])
                self.items[_key(body["Item"])] = item
            elif kind == "Delete":
                self.items.pop(_key(body["Key"]), None)

    def put_report(self, report: Item) -> None:
        _size(report)  # written as UTF-8, as the real store writes it: every character must be one
        self.reports[report["key"]] = from_dynamo(to_dynamo(report)) | {"slug": report["slug"]}


def _size(item: Item) -> int:
    """The item's size in UTF-8 (UnicodeEncodeError for text no store can hold, as the SDK's)."""
    return len(json.dumps(item, ensure_ascii=False, default=str).encode("utf-8"))


def _key(typed: dict[str, Any]) -> tuple[str, str]:
    return typed["PK"]["S"], typed["SK"]["S"]


def _holds(condition: str, item: Item | None, values: Item) -> bool:
    """The condition forms the pipeline writes: OR of ANDs of `attribute_not_exists(a)` and
    `a = :v` (an absent item has no attributes)."""
    for alternative in condition.split(" OR "):
        if all(_atom(atom.strip(), item, values) for atom in alternative.split(" AND ")):
            return True
    return False


def _atom(atom: str, item: Item | None, values: Item) -> bool:
    match = _ATOM.match(atom)
    if match is None:
        raise ValueError(f"condition not understood by the fake: {atom}")
    missing, name, value = match.groups()
    if missing:
        return item is None or missing not in item
    return item is not None and item.get(name) == values[value]
