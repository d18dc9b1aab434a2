"""DynamoDB stream event source mapping, as Lambda runs it, against moto's server.

Each shard is read with GetRecords; records that pass the trigger's FilterCriteria are
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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from infra.local.functions import InvocationError, LocalFunction, StreamTrigger

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
        return int(value.timestamp())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    buffer: list[dict[str, Any]] = field(default_factory=list)
    first_buffered: float = 0.0


class StreamPoller:
    """Reads one stream for one function's DynamoDB trigger."""

    def __init__(
        self,
        streams: Any,
        trigger: StreamTrigger,
        function: LocalFunction,
        region: str,
        on_failure: Callable[[str, dict[str, Any]], None],
        poll_interval: float = 0.25,
        retry_delay: float = 0.2,
    ) -> None:
        self.streams = streams
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
        self._shards: list[_Shard] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{function.spec.logical_id}", daemon=True
        )

    @property
    def pending(self) -> int:
        """Records read and waiting for (or in) a batch."""
        return sum(len(shard.buffer) for shard in self._shards) + int(self._busy)

    def start(self) -> None:
        """Take the starting position now (so LATEST means 'from now'), then poll."""
        description = self.streams.describe_stream(StreamArn=self.trigger.stream_arn)
        for shard in description["StreamDescription"]["Shards"]:
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.trigger.stream_arn,
                ShardId=shard["ShardId"],
                ShardIteratorType=self.trigger.starting_position,
            )["ShardIterator"]
            self._shards.append(_Shard(shard["ShardId"], iterator))
        self._thread.start()

    def stop(self) -> None:
        """Stop after the batch in hand."""
        self._stopping.set()
        self._thread.join(timeout=self.function.spec.timeout + 1)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("%s: reading the stream failed", self.function.spec.logical_id)
            self.cycles += 1
            self._stopping.wait(self.poll_interval)

    def poll(self) -> None:
        """One GetRecords per open shard, then the batches that are due."""
        for shard in self._shards:
            if shard.iterator is not None:
                page = self.streams.get_records(ShardIterator=shard.iterator, Limit=1000)
                shard.iterator = page.get("NextShardIterator")
                for raw in page.get("Records", []):
                    record = lambda_record(raw, self.trigger.stream_arn, self.region)
                    if not self.trigger.accepts(record):
                        self.filtered_out += 1
                        continue
                    if not shard.buffer:
                        shard.first_buffered = time.monotonic()
                    shard.buffer.append(record)
            self._flush(shard)

    def _flush(self, shard: _Shard) -> None:
        size = self.trigger.batch_size
        while shard.buffer and (
            len(shard.buffer) >= size
            or time.monotonic() - shard.first_buffered >= self.trigger.batching_window
        ):
            self._busy = True
            batch, shard.buffer = shard.buffer[:size], shard.buffer[size:]
            shard.first_buffered = time.monotonic()
            self.dispatched += 1
            try:
                self._process(shard.shard_id, batch, attempts=0)
            finally:
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
                        "streamArn": self.trigger.stream_arn,
                    },
                },
            )
