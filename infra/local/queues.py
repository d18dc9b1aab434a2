"""SQS event source mapping, as Lambda runs it, against moto's server.

A poller per `Events` entry of Type SQS receives up to BatchSize messages, invokes the
handler synchronously with Lambda's SQS event, and deletes what succeeded: every message, or
with ReportBatchItemFailures all but the `batchItemFailures`. A failed message stays in the
queue and comes back when its visibility timeout ends (locally shortened to `retry_after`
seconds); the queue's RedrivePolicy (moto applies it) moves it on after maxReceiveCount.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any

from infra.local.functions import InvocationError, LocalFunction, QueueTrigger

log = logging.getLogger("local.queues")


def lambda_sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A ReceiveMessage message as Lambda delivers it in an SQS event."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def failed_ids(trigger: QueueTrigger, result: Any, messages: list[dict[str, Any]]) -> set[str]:
    """Which messages of a handled batch stay in the queue."""
    if not trigger.report_item_failures or not isinstance(result, dict):
        return set()
    given = {m["MessageId"] for m in messages}
    failures = result.get("batchItemFailures") or []
    ids = {str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)}
    # An identifier that names no message of the batch fails the whole batch, as on Lambda.
    return given if ids - given else ids


class QueuePoller:
    """Lambda's SQS poller for one trigger of one function."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        trigger: QueueTrigger,
        function: LocalFunction,
        region: str,
        poll_interval: float = 0.3,
        retry_after: int = 1,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.trigger = trigger
        self.function = function
        self.region = region
        self.poll_interval = poll_interval
        self.retry_after = retry_after
        self.cycles = 0
        self.dispatched = 0
        self.pending = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sqs-{function.spec.logical_id}", daemon=True
        )

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the batch in hand."""
        self._stop.set()
        self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("polling %s failed", self.queue_url)
            self.cycles += 1
            self._stop.wait(self.poll_interval)

    def poll_once(self) -> int:
        """Receive one batch and hand it to the function; how many messages it had."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.trigger.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if not messages:
            return 0
        self.pending = len(messages)
        try:
            self.dispatched += len(messages)
            event = {
                "Records": [
                    lambda_sqs_record(m, self.trigger.queue_arn, self.region) for m in messages
                ]
            }
            try:
                result = self.function.invoke(event, f"sqs:{self.trigger.name}")
            except InvocationError:
                failed = {m["MessageId"] for m in messages}
            else:
                failed = failed_ids(self.trigger, result, messages)
            for message in messages:
                if message["MessageId"] in failed:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=self.retry_after,
                    )
                else:
                    self.sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
        finally:
            self.pending = 0
        return len(messages)
