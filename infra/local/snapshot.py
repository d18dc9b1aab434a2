"""Yesterday's stack this morning: moto's tables and buckets kept in `.local/` between runs.

Starting from scratch means publishing the sample content and computing every related list
again (most of a cold start); restoring the saved state takes well under a second. The
snapshot holds moto's DynamoDB, S3 and EventBridge Scheduler stores for the stack's account
and region (pickled: moto's models are plain objects), so articles scheduled to go live
before a restart still go live after it (a schedule that came due meanwhile fires on the
first poll), and the values of the secrets the stack created, so e-mailed links stay valid.
It is written atomically (a temporary file, synced, then renamed over the old one) when the
stack is ready, every few minutes while it runs if anything changed (`state_signal`), and
again when it stops, and set aside (`snapshot.discarded.pickle`) when the template's stored
resources (tables, buckets, schedule groups, secrets), its parameters or moto changed since
(`make run FRESH=1` discards it by hand). It is a local developer file: never load one you
did not make.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import json
import logging
import os
import pickle
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import StreamShard, Table
from moto.s3.models import s3_backends
from moto.s3.utils import _VersionedKeyStore
from moto.scheduler.models import scheduler_backends

from infra.local.intrinsics import ACCOUNT_ID
from infra.template.reading import load_template

log = logging.getLogger("local.snapshot")

FORMAT = 2  # 2: the scheduler's store as well


# The template's resources whose state the snapshot holds: only their declarations decide
# whether it still fits. An alarm, a function or a comment changed by a `git pull` does not
# cost a developer the content of their local stack.
STORED_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::Scheduler::ScheduleGroup",
        "AWS::SecretsManager::Secret",
    }
)


def fingerprint(template_path: Path, parameters: dict[str, str], region: str) -> str:
    """What a snapshot must have been made with to be restored: the stored resources'
    declarations (keys, indexes, names…), the parameters, region, moto and this format."""
    stored = {
        logical_id: resource
        for logical_id, resource in load_template(template_path)["Resources"].items()
        if resource.get("Type") in STORED_TYPES
    }
    return hashlib.sha256(
        json.dumps(
            [stored, parameters, region, version("moto"), FORMAT], sort_keys=True, default=repr
        ).encode()
    ).hexdigest()


@dataclass(frozen=True)
class InHand:
    """Where the triggers were when the snapshot was taken, so that a restored stack finishes
    what a stop cut short (Lambda delivers at least once; the handlers ignore repeats).

    `streams`: per stream reader (`Function/Trigger`), (stream label, first sequence number
    it had not handled); `buckets`: per bucket, the versions and delete markers its watcher
    had handled (what was still queued or running is delivered again); `sequencer`: the last
    S3 event sequencer given out (the next stack's go on above it, whatever the clock says).
    """

    streams: dict[str, tuple[str, int]] = field(default_factory=dict)
    buckets: dict[str, dict[tuple[str, str], Any]] = field(default_factory=dict)
    sequencer: str | None = None  # a class default: snapshots from before read None


@dataclass(frozen=True)
class Restored:
    """What a restored snapshot hands to the starting stack besides moto's stores."""

    secrets: dict[str, str]
    in_hand: InHand


def state_signal(region: str) -> tuple[Any, ...]:
    """A small summary of moto's stored state that changes whenever it does; call under moto's
    lock. Comparing two costs no copy of any item or body, so an idle stack can ask often.

    Tables with a stream: the stream's label and end (every write appends a record; trimming
    read records keeps the end); tables without one: a digest of their items. Buckets: how
    many versions and delete markers, and the newest change. Schedules: name and last change.
    """
    tables = []
    for name, table in dynamodb_backends[ACCOUNT_ID][region].tables.items():
        shard = table.stream_shard
        if shard is not None:
            end = shard.starting_sequence_number + len(shard.items)
            tables.append((name, table.latest_stream_label, end))
        else:
            digest = hashlib.sha256(pickle.dumps(table.items, protocol=pickle.HIGHEST_PROTOCOL))
            tables.append((name, None, digest.hexdigest()))
    buckets = []
    for name, bucket in s3_backends[ACCOUNT_ID]["aws"].buckets.items():
        versions = [key for _, history in bucket.keys.iterlists() for key in history]
        newest = max((key.last_modified for key in versions), default=None)
        buckets.append((name, len(versions), newest))
    scheduler = scheduler_backends[ACCOUNT_ID][region]
    schedules = frozenset(
        (group.name, schedule.name, schedule.last_modified_date)
        for group in scheduler.schedule_groups.values()
        for schedule in group.schedules.values()
    )
    return tuple(sorted(tables)), tuple(sorted(buckets)), schedules


def save(
    path: Path,
    lock: AbstractContextManager[Any],
    region: str,
    print_: str,
    secrets: dict[str, str],
    in_hand: InHand | None = None,
    unless: object = None,
) -> object | None:
    """Write the snapshot (pickled under moto's lock, so no request is half applied); what it
    holds as a comparable signal, or None, writing nothing, when that equals `unless`.

    Take `in_hand` before calling: moto's state is read after it, so a trigger that moves on
    in between has its work delivered again after a restore, never lost.
    """
    in_hand = in_hand or InHand()
    with lock:
        signal = (state_signal(region), in_hand)
        if unless is not None and signal == unless:
            return None
        dynamodb = dynamodb_backends[ACCOUNT_ID][region]
        buffer = io.BytesIO()
        _Pickler(buffer, dynamodb.tables.values(), in_hand).dump(
            {
                "fingerprint": print_,
                "dynamodb": dynamodb,
                "s3": s3_backends[ACCOUNT_ID]["aws"],
                "scheduler": scheduler_backends[ACCOUNT_ID][region],
                "secrets": secrets,
                "in_hand": in_hand,
            }
        )
        data = buffer.getvalue()
    partial = path.with_suffix(".tmp")
    try:
        with partial.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # a power cut must not leave a renamed, empty file
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return signal


def current(lock: AbstractContextManager[Any], region: str, in_hand: InHand) -> object:
    """What `save` would return now, without writing (a restored stack's file already holds
    it)."""
    with lock:
        return (state_signal(region), in_hand)


def restore(path: Path, region: str, print_: str) -> Restored | None:
    """Put a matching snapshot into moto's stores; the saved secrets and triggers' positions,
    or None if not restored.

    Call before anything reads moto. Stream records every reader had handled are dropped
    (their sequence numbers are kept), as AWS trims records after 24 hours; the ones a reader
    had not handled stay, and that reader resumes at them.
    """
    if not path.exists():
        return None
    try:
        state = pickle.loads(path.read_bytes())
    except Exception:
        _set_aside(path, "is unreadable")
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != print_:
        _set_aside(
            path, "was made with other stored resources, parameters or moto than this template's"
        )
        return None
    dynamodb, s3 = state["dynamodb"], state["s3"]
    in_hand: InHand = state.get("in_hand") or InHand()  # snapshots before it had none
    for table in dynamodb.tables.values():  # a snapshot written before saves trimmed them
        shard = table.stream_shard
        if shard is not None:
            keep_from = _kept_from(table, in_hand)
            del shard.items[: keep_from - shard.starting_sequence_number]
            shard.starting_sequence_number = keep_from
    dynamodb_backends[ACCOUNT_ID][region] = dynamodb
    s3_backends[ACCOUNT_ID]["aws"] = s3
    scheduler_backends[ACCOUNT_ID][region] = state["scheduler"]
    for name in s3.buckets:
        s3_backends.bucket_accounts[name] = ("aws", ACCOUNT_ID)
    return Restored(state["secrets"], in_hand)


def _kept_from(table: Table, in_hand: InHand) -> int:
    """The first stream record of `table` some reader had not handled (the shard's end if
    every reader had): the records before it are of no use to a restored stack."""
    shard = table.stream_shard
    assert shard is not None
    end = shard.starting_sequence_number + len(shard.items)
    label = table.latest_stream_label
    unhandled = [number for (lbl, number) in in_hand.streams.values() if lbl == label]
    return min(max(min(unhandled, default=end), shard.starting_sequence_number), end)


def _set_versions(
    store: _VersionedKeyStore, state: tuple[dict[str, list[Any]], dict[str, Any]]
) -> None:
    """Unpickle a bucket's keys with every version (see `_Pickler`)."""
    versions, attributes = state
    dict.update(store, versions)
    store.__dict__.update(attributes)


class _Pickler(pickle.Pickler):
    """moto's stores as they are, but every version of each S3 key and only the stream
    records a restored reader may still need.

    moto's key store is a dict subclass whose `items()` yields the newest version of each
    key, and pickle saves a dict subclass through `items()`: every restore kept only the
    newest version (or delete marker) of each key, losing the content history (copying an
    old version back is the undo of a bad upload) and the version a scheduled go-live reads
    when a later upload was rejected. Stream records every reader had handled are dropped at
    restore anyway; saving them made a busy session's snapshot ten times its content.
    """

    def __init__(self, file: io.BytesIO, tables: Any, in_hand: InHand) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._kept = {
            id(table.stream_shard): _kept_from(table, in_hand)
            for table in tables
            if table.stream_shard is not None
        }
        # By exact type, so every other object costs no extra call.
        self.dispatch_table = copyreg.dispatch_table | {
            _VersionedKeyStore: self._key_store,
            StreamShard: self._shard,
        }

    @staticmethod
    def _key_store(store: _VersionedKeyStore) -> Any:
        state = (dict(dict.items(store)), dict(store.__dict__))
        return (type(store), (), state, None, None, _set_versions)

    def _shard(self, shard: StreamShard) -> Any:
        state = dict(shard.__dict__)
        keep_from = self._kept.get(id(shard))
        if keep_from is not None:
            state["items"] = shard.items[keep_from - shard.starting_sequence_number :]
            state["starting_sequence_number"] = keep_from
        return (copyreg.__newobj__, (type(shard),), state)


def _set_aside(path: Path, why: str) -> None:
    """Start fresh, but keep the old snapshot: this run's own must not overwrite its content."""
    kept = path.with_name(f"{path.stem}.discarded{path.suffix}")
    path.replace(kept)
    log.warning("%s %s; starting fresh (the old one is kept as %s)", path, why, kept)
