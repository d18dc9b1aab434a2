"""Publish failure function: the publish function's on-failure records → final `failed` reports.

When Lambda gives up on an asynchronous invocation of the publish function (every attempt
raised, timed out or ran out of memory, or the event grew too old), it sends an invocation
record to PublishFailureQueue. A timeout or an out-of-memory kill ends the publish handler
before it can write a report, so this function writes it: a `failed` report for each S3
record of the original event (`requestPayload`), ordered like the rest of publishing (never
over a newer or equal event's report; a redelivered record writes the same report, dated by
the record's `timestamp`). Then it hands the record, unchanged, to PublishDeadLetterQueue,
where it waits for an operator's replay and raises the alarm, as before.

The record (an SQS message body; docs/operations.md shows one):
`{"version", "timestamp", "requestContext": {"requestId", "functionArn", "condition"
("RetriesExhausted" | "EventAgeExceeded"), "approximateInvokeCount"}, "requestPayload": <the
S3 event>, "responseContext": {"statusCode", "executedVersion", "functionError"},
"responsePayload": {"errorMessage", "errorType", ...}}`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdesk.clock import Clock, system_clock
from newsdesk.config import settings, validate_at_init
from newsdesk.dal.queues import keep_for_operators
from newsdesk.dal.scheduling import GO_LIVE_EVENT
from newsdesk.handlers.s3_records import upload_events
from newsdesk.logic.publishing.pipeline import Publisher
from newsdesk.observability import logger, metrics

# What this function needs beyond the Globals (checked against template.yaml by a test).
ENVIRONMENT = ("PUBLISH_DEAD_LETTER_QUEUE_URL",)
validate_at_init(*ENVIRONMENT)

# The reports' time when a record carries none; tests move it.
clock: Clock = system_clock
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    """Report the failed uploads of one on-failure record, then keep it for operators.

    Raising leaves the message in the queue for another attempt (after its visibility
    timeout); after maxReceiveCount, SQS moves it to the dead-letter queue unreported.
    """
    body = record.body
    try:
        failure = json.loads(body)
    except ValueError:
        failure = None
    payload = failure.get("requestPayload") if isinstance(failure, dict) else None
    if isinstance(failure, dict) and isinstance(payload, dict):
        report_failures(failure, payload)
    else:
        logger.warning("not an on-failure record; kept for operators", extra={"body": body[:2000]})
    keep_for_operators(body)


def report_failures(failure: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The final `failed` reports of the S3 records in one on-failure record."""
    context = failure.get("requestContext") or {}
    response = failure.get("responsePayload")
    logger.error(
        "publish gave up on an event",
        extra={
            "condition": context.get("condition"),
            "attempts": context.get("approximateInvokeCount"),
            "request_id": context.get("requestId"),
            "error": response if isinstance(response, dict) else str(response)[:2000],
        },
    )
    config = settings()
    publisher = Publisher(words_per_minute=config.words_per_minute, clock=clock)
    failed_at = _timestamp(failure.get("timestamp"))
    if GO_LIVE_EVENT in payload:
        # The operator can replay the go-live from the DLQ; the editors read it in the report.
        go_live = payload[GO_LIVE_EVENT]
        logger.error("a go-live failed", extra={"payload": go_live})
        metrics.add_metric(name="GoLivesFailed", unit=MetricUnit.Count, value=1)
        if not isinstance(go_live, dict) or "key" not in go_live or "sequencer" not in go_live:
            return []
        report = publisher.report_go_live_failure(
            str(go_live["key"]), str(go_live["sequencer"]), failed_at
        )
        return [report] if report is not None else []
    reports = []
    for upload in upload_events(payload, config.content_bucket):
        report = publisher.report_failure(upload, final=True, failed_at=failed_at)
        logger.info("failure reported", extra={"key": upload.key, "report": report})
        if report is not None:
            reports.append(report)
            metrics.add_metric(name="UploadsFailedFinally", unit=MetricUnit.Count, value=1)
    return reports


def _timestamp(value: Any) -> datetime | None:
    """When Lambda gave up (the record's ISO 8601 `timestamp`), if it says."""
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process the batch; answer `batchItemFailures` for the messages to deliver again."""
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
    return response
