"""DynamoDB stream event source mapping, as Lambda runs it, against moto's server.

The stream is read from moto's store in this process (`MotoStreamSource`), looked up by table
name on every poll, not through GetRecords: moto keeps every shard iterator it ever issued
(one per GetRecords call, so memory grows while idle), an iterator keeps pointing at the
shard object it was issued for (a cancelled transaction swaps the table for its backup, and
the poller read a dead shard for ever), and a re-created table's stream starts at the same
sequence numbers as the old one. Records that pass the trigger's FilterCriteria are
batched (BatchSize, MaximumBatchingWindowInSeconds) and the handler is invoked
synchronously. A failed batch — an exception, or `batchItemFailures` when the trigger has
ReportBatchItemFailures — is retried from the first failed record a bounded number of
times (bisected on errors if asked), then reported to the OnFailure destination.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Protocol

from moto.core.utils import utcnow
from moto.dynamodb.models import dynamodb_backends

from infra.local.functions import InvocationError, LocalFunction, StreamTrigger
from infra.local.intrinsics import ACCOUNT_ID

log = logging.getLogger("local.streams")


def lambda_record(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it (epoch times, base64 binaries, source ARN)."""
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": _jsonable(raw["dynamodb"]),
        "eventSourceARN": stream_arn,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(aware.timestamp())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


class StreamSource(Protocol):
    """Where a poller reads records: (shard id, stream ARN, GetRecords-shaped records)."""

    def start(self) -> None:
        """Take the starting position (LATEST: now)."""

    def read(self, limit: int) -> tuple[str, str, list[dict[str, Any]]]:
        """The next records, at most `limit`, in stream order."""
        ...


# Read records are dropped once every reader of the stream has passed them and they are this
# old (AWS keeps 24 hours). moto keeps every record for ever: ~4,200 records (3.4 MB as JSON,
# more as objects) per 25 published articles, held by a long `make run` and pickled into its
# snapshot. A few minutes keep recent ones for a developer's own GetRecords.
RETAIN_READ_RECORDS = 300.0  # seconds


class StreamRetention:
    """Trims each table's shard behind the slowest of the stack's stream readers."""

    def __init__(self, retain_seconds: float = RETAIN_READ_RECORDS) -> None:
        self.retain = timedelta(seconds=retain_seconds)
        self.readers: list[MotoStreamSource] = []

    def trim(self, table: Any, shard: Any) -> int:
        """Drop the shard's records that every reader has read and that are old; how many.

        Call under moto's lock. The shard's starting sequence number moves with them, so
        sequence numbers (and every reader's position) stay as they were.
        """
        readers = [r for r in self.readers if r.table_name == table.name]
        if any(r.label != table.latest_stream_label for r in readers):
            return 0  # a reader has not reached this stream yet
        read = min((r.next for r in readers), default=shard.starting_sequence_number)
        cutoff = utcnow() - self.retain
        count = 0
        for record in islice(shard.items, max(0, read - shard.starting_sequence_number)):
            created = record.record["dynamodb"]["ApproximateCreationDateTime"]
            if created > cutoff:
                break
            count += 1
        if count:
            del shard.items[:count]
            shard.starting_sequence_number += count
        return count


class MotoStreamSource:
    """A table's stream in moto's store, followed across table swaps and re-creations.

    The position is (stream label, next sequence number). The table is looked up by name on
    each read, so a table object swapped in by a cancelled transaction is read where the old
    one left off; a new stream label (table deleted and created again, stream re-enabled)
    starts from its shard's first record; a shard shorter than the position (moto replaced
    it) is read again from its start, since Lambda delivers at least once, never less.
    """

    def __init__(
        self,
        lock: AbstractContextManager[Any],
        stream_arn: str,
        region: str,
        starting_position: str = "LATEST",
        retention: StreamRetention | None = None,
        resume: tuple[str, int] | None = None,
    ) -> None:
        self.lock = lock
        self.region = region
        self.table_name = stream_arn.split(":", 5)[5].split("/")[1]
        self.starting_position = starting_position
        # A restored snapshot's (stream label, first record its reader had not handled).
        self.resume = resume
        self.label: str | None = None
        self.next = 0
        self.retention = retention
        if retention is not None:
            retention.readers.append(self)

    def _shard(self) -> tuple[Any, Any]:
        table = dynamodb_backends[ACCOUNT_ID][self.region].tables.get(self.table_name)
        shard = getattr(table, "stream_shard", None)
        return table, shard

    def start(self) -> None:
        """LATEST: after the records written so far; TRIM_HORIZON: all of them; a restored
        position of this stream: where the reader stopped (records in hand are read again)."""
        with self.lock:
            table, shard = self._shard()
            if shard is not None:
                self.label = table.latest_stream_label
                if self.resume is not None and self.resume[0] == self.label:
                    self.next = max(self.resume[1], shard.starting_sequence_number)
                    return
                skipped = len(shard.items) if self.starting_position == "LATEST" else 0
                self.next = shard.starting_sequence_number + skipped

    def read(self, limit: int) -> tuple[str, str, list[dict[str, Any]]]:
        """The records after the position (moto's own dictionaries: read, never change)."""
        with self.lock:
            table, shard = self._shard()
            if shard is None or table.latest_stream_label is None:
                return "", "", []
            if table.latest_stream_label != self.label:
                if self.label is not None:
                    log.info("%s: new stream %s", self.table_name, table.latest_stream_label)
                self.label, self.next = table.latest_stream_label, shard.starting_sequence_number
            offset = self.next - shard.starting_sequence_number
            if offset > len(shard.items):
                log.warning("%s: stream shard was replaced; reading it again", self.table_name)
                offset = 0
            records = [record.to_json() for record in shard.items[offset : offset + limit]]
            self.next = shard.starting_sequence_number + offset + len(records)
            if self.retention is not None and not records:
                self.retention.trim(table, shard)  # caught up: a quiet moment to trim
            return shard.id, f"{table.table_arn}/stream/{self.label}", records


@dataclass
class _Shard:
    shard_id: str
    stream_arn: str
    buffer: list[dict[str, Any]] = field(default_factory=list)
    first_buffered: float = 0.0


class StreamPoller:
    """Reads one stream for one function's DynamoDB trigger."""

    def __init__(
        self,
        source: StreamSource | None,
        trigger: StreamTrigger,
        function: LocalFunction,
        region: str,
        on_failure: Callable[[str, dict[str, Any]], None],
        poll_interval: float = 0.25,
        retry_delay: float = 0.2,
    ) -> None:
        self.source = source
        self.trigger = trigger
        self.function = function
        self.region = region
        self.on_failure = on_failure
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        self.cycles = 0
        self.dispatched = 0
        self.filtered_out = 0
        self._busy = False
        self._batch: list[dict[str, Any]] = []
        self._shards: dict[tuple[str, str], _Shard] = {}
        # Held while records move (stream → buffer → batch), so that `unhandled_from`, asked
        # from another thread by a periodic save, never misses records between two places.
        self._hand = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{function.spec.logical_id}", daemon=True
        )

    @property
    def pending(self) -> int:
        """Records read and waiting for (or in) a batch."""
        return sum(len(shard.buffer) for shard in self._shards.values()) + int(self._busy)

    def unhandled_from(self) -> tuple[str, int] | None:
        """(stream label, first sequence number not yet handled): the batch in hand and the
        buffered records count as unhandled, so a snapshot taken now resumes before them."""
        source = self.source
        with self._hand:
            if not isinstance(source, MotoStreamSource) or source.label is None:
                return None
            in_hand = [*self._batch, *(r for s in self._shards.values() for r in s.buffer)]
            numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in in_hand]
            return source.label, min(numbers, default=source.next)

    def start(self) -> None:
        """Take the starting position now (so LATEST means 'from now'), then poll."""
        if self.source is not None:
            self.source.start()
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the batch in hand (waiting at most `timeout` seconds for it)."""
        self._stopping.set()
        self._thread.join(timeout=self.function.spec.timeout + 1 if timeout is None else timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("%s: reading the stream failed", self.function.spec.logical_id)
            self.cycles += 1
            self._stopping.wait(self.poll_interval)

    def poll(self) -> None:
        """Read what is new, then the batches that are due (older streams' first)."""
        assert self.source is not None
        with self._hand:
            shard_id, stream_arn, raws = self.source.read(1000)
            if raws:
                shard = self._shards.setdefault(
                    (stream_arn, shard_id), _Shard(shard_id, stream_arn)
                )
                for raw in raws:
                    record = lambda_record(raw, stream_arn, self.region)
                    if not self.trigger.accepts(record):
                        self.filtered_out += 1
                        continue
                    if not shard.buffer:
                        shard.first_buffered = time.monotonic()
                    shard.buffer.append(record)
        for key, shard in list(self._shards.items()):
            self._flush(shard)
            if not shard.buffer:
                with self._hand:
                    del self._shards[key]

    def _flush(self, shard: _Shard) -> None:
        size = self.trigger.batch_size
        while shard.buffer and (
            len(shard.buffer) >= size
            or time.monotonic() - shard.first_buffered >= self.trigger.batching_window
        ):
            self._busy = True
            with self._hand:
                batch, shard.buffer = shard.buffer[:size], shard.buffer[size:]
                self._batch = batch
            shard.first_buffered = time.monotonic()
            self.dispatched += 1
            try:
                self._process(shard.shard_id, batch, attempts=0)
            finally:
                self._batch = []
                self._busy = False

    def _process(self, shard_id: str, batch: list[dict[str, Any]], attempts: int) -> None:
        while True:
            failed_from, errored = self._invoke(batch)
            if failed_from is None:
                return
            attempts += 1
            if attempts > self.trigger.max_retries or self._stopping.is_set():
                self._give_up(shard_id, batch[failed_from:], attempts)
                return
            if errored and self.trigger.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                self._process(shard_id, batch[:half], attempts)
                self._process(shard_id, batch[half:], attempts)
                return
            batch = batch[failed_from:]
            self._stopping.wait(min(2.0, self.retry_delay * 2 ** (attempts - 1)))

    def _invoke(self, batch: list[dict[str, Any]]) -> tuple[int | None, bool]:
        """(index of the first record to retry or None, whether the handler raised)."""
        source = f"dynamodb stream {self.trigger.name} ({len(batch)} records)"
        try:
            result = self.function.invoke({"Records": batch}, source)
        except InvocationError:
            return 0, True
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if not self.trigger.report_item_failures or not failures:
            return None, False
        sequence = [record["dynamodb"]["SequenceNumber"] for record in batch]
        identifiers = [failure.get("itemIdentifier") for failure in failures]
        if any(identifier not in sequence for identifier in identifiers):
            log.warning("%s: unknown itemIdentifier; retrying the whole batch", source)
            return 0, False
        first = min(sequence.index(identifier) for identifier in identifiers)
        log.warning("%s: %d records failed; retrying from #%d", source, len(failures), first)
        return first, False

    def _give_up(self, shard_id: str, records: list[dict[str, Any]], attempts: int) -> None:
        spec = self.function.spec
        numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        log.error(
            "%s gave up on %d stream records (%s…%s) after %d attempts",
            spec.logical_id,
            len(records),
            numbers[0],
            numbers[-1],
            attempts,
        )
        if self.trigger.on_failure:
            arrivals = [record["dynamodb"].get("ApproximateCreationDateTime") for record in records]
            self.on_failure(
                self.trigger.on_failure,
                {
                    "requestContext": {
                        "requestId": str(uuid.uuid4()),
                        "functionArn": self.function.arn,
                        "condition": "RetryAttemptsExhausted",
                        "approximateInvokeCount": attempts,
                    },
                    "responseContext": {
                        "statusCode": 200,
                        "executedVersion": "$LATEST",
                        "functionError": "Unhandled",
                    },
                    "version": "1.0",
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                    "DDBStreamBatchInfo": {
                        "shardId": shard_id,
                        "startSequenceNumber": numbers[0],
                        "endSequenceNumber": numbers[-1],
                        "approximateArrivalOfFirstRecord": arrivals[0],
                        "approximateArrivalOfLastRecord": arrivals[-1],
                        "batchSize": len(records),
                        "streamArn": records[0].get("eventSourceARN", self.trigger.stream_arn),
                    },
                },
            )
