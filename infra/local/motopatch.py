"""Keep moto cheap and bounded on a long-running local stack.

Every moto model instance (an S3 key version, a DynamoDB item) is appended to a class-level
list kept for moto's dashboard and never released, and moto copies models freely: each
ListObjectVersions deep-copies every version in the bucket (≈250 KB per call on the sample
content; a 30 MB object copied per call grew the stack to 13.5 GB in 24 minutes), each
transaction deep-copies its tables. Found with tracemalloc (`docs/development.md`); here that
tracking is switched off, which makes idle memory flat.

Before a TransactWriteItems, moto backs up the whole table with `copy.deepcopy` — once per
item of the transaction, stream records included — so a publish costs O(items × all writes
so far) and `make run` slows to seconds per upload. Here one backup per table serves the
whole transaction, and stream records (never changed once written) are shared by it; the
record list itself is still copied, so a rolled-back transaction leaves no records behind.
"""

from __future__ import annotations

import copy
import types
from contextvars import ContextVar
from typing import Any

from moto.core import common_models
from moto.core.model_instances import model_data
from moto.dynamodb import models
from moto.dynamodb.models.table import Table

_backups: ContextVar[dict[int, Any] | None] = ContextVar("_backups", default=None)
_original = models.DynamoDBBackend.transact_write_items


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    if not isinstance(value, Table):
        return copy.deepcopy(value, memo)
    backups = _backups.get()
    if backups is not None and id(value) in backups:
        return backups[id(value)]
    memo = {} if memo is None else memo
    shard = getattr(value, "stream_shard", None)
    for record in shard.items if shard is not None else ():
        memo[id(record)] = record
    backup = copy.deepcopy(value, memo)
    if backups is not None:
        backups[id(value)] = backup
    return backup


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    token = _backups.set({})
    try:
        _original(self, transact_items)
    finally:
        _backups.reset(token)


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
