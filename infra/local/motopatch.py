"""Keep moto cheap and bounded on a long-running local stack.

Every moto model instance (an S3 key version, a DynamoDB item) is appended to a class-level
list kept for moto's dashboard and never released, and moto copies models freely: each
ListObjectVersions deep-copies every version in the bucket (≈250 KB per call on the sample
content; a 30 MB object copied per call grew the stack to 13.5 GB in 24 minutes), each
transaction deep-copies its tables. Found with tracemalloc (`docs/development.md`); here that
tracking is switched off, which makes idle memory flat.

Before a TransactWriteItems, moto backs up every table it touches with `copy.deepcopy` (once
per item of the transaction) and, when the transaction is cancelled, swaps the table object
for that backup. A publish's transaction thus costs O(all items in the table): on the sample
content a 10-item transaction took ≈ 100 ms, and the related pass of a fresh `make run` ran
hundreds of them. Here the transaction keeps an undo log instead: a copy of each item it
names (the only items it can change) and the length of each stream shard, restored in place
on the same table object when moto rolls back. Same outcome, O(items in the transaction).

A Query sorts the whole table before it looks at one partition (`Table.all_items`): every
API read paid O(N log N) DynamoType comparisons, ≈ 50 ms per page on the seeded stack, and
more the longer a session published. Here a Query on the table reads its partition only, and
a Query on an index skips the sort it redoes itself (its order ends in the table's keys, so
the input order never shows). Same results, same order, same pages.

moto's server also lists its own package folder (a `listdir` and ~60 `stat`s) on every
request to find the service a Host names; the folder does not change while the stack runs,
so the list is read once.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from moto import backends
from moto.core import common_models
from moto.core.model_instances import model_data
from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_in_transaction: ContextVar[bool] = ContextVar("_in_transaction", default=False)
_original = models.DynamoDBBackend.transact_write_items
# Inside Table.query: (hash key, index name) of the query, for `_all_items`.
_querying: ContextVar[tuple[Any, str | None] | None] = ContextVar("_querying", default=None)
_original_query = Table.query
_original_all_items = Table.all_items
_moto_modules = tuple(backends.list_of_moto_modules())


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """moto's `copy.deepcopy`, except a table backed up by a transaction (the undo log is)."""
    if isinstance(value, Table) and _in_transaction.get():
        return value
    return copy.deepcopy(value, memo)


def _undo_log(backend: Any, transact_items: list[dict[str, Any]]) -> Callable[[], None]:
    """What restores every item the transaction names, and its tables' stream shards."""
    saved: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
    shards: dict[int, tuple[Any, int]] = {}
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue
            key = op.get("Item" if op_type == "Put" else "Key") or {}
            if table.hash_key_attr not in key or (
                table.range_key_attr is not None and table.range_key_attr not in key
            ):
                continue  # moto rejects it before changing anything
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = (
                DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
            )
            if range_value is None:
                current = table.items.get(hash_value)
            else:
                current = table.items.get(hash_value, {}).get(range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
            shard = table.stream_shard
            if shard is not None:
                shards.setdefault(id(shard), (shard, len(shard.items)))

    def undo() -> None:
        # Newest first: an item named twice gets the state from before the transaction.
        for table, hash_value, range_value, item in reversed(saved):
            if range_value is None:
                if item is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = item
            elif item is None:
                table.items[hash_value].pop(range_value, None)
            else:
                table.items[hash_value][range_value] = item
        for shard, length in shards.values():
            del shard.items[length:]

    return undo


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    undo = _undo_log(self, transact_items)
    token = _in_transaction.set(True)
    try:
        _original(self, transact_items)
    except Exception:
        undo()
        raise
    finally:
        _in_transaction.reset(token)


def _query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    """moto's Query, with `all_items` scoped to what the query can return."""
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    token = _querying.set((hash_key, index_name))
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        _querying.reset(token)


def _all_items(self: Table) -> list[Any]:
    """The table's items; in a Query only those it can return, unsorted (it sorts them)."""
    query = _querying.get()
    if query is None:
        return _original_all_items(self)
    hash_key, index_name = query
    if index_name is None and self.range_key_attr is not None:
        return list(self.items.get(hash_key, {}).values()) if hash_key is not None else []
    if self.range_key_attr is None:
        return list(self.items.values())
    return [item for partition in self.items.values() for item in partition.values()]


@contextmanager
def moto_query() -> Iterator[None]:
    """moto's own Query for the duration (to compare with), then the patched one again."""
    Table.query = _original_query  # type: ignore[method-assign]
    Table.all_items = _original_all_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        install()


def _listed_moto_modules() -> tuple[str, ...]:
    """moto's service folders, as listed once at import."""
    return _moto_modules


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    """`BaseModel.__new__` without the append to `cls.instances_tracked`."""
    return object.__new__(cls)


def install() -> None:
    """Patch moto in this process (idempotent)."""
    common_models.BaseModel.__new__ = staticmethod(_untracked_new)  # type: ignore[assignment]
    for services in model_data.values():
        for model in services.values():
            model.instances_tracked = []  # type: ignore[attr-defined]
    models.copy = types.SimpleNamespace(deepcopy=_deepcopy, copy=copy.copy)  # type: ignore[assignment,attr-defined]
    models.DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.query = _query  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    backends.list_of_moto_modules = _listed_moto_modules
