"""Final `failed` reports from the publish function's on-failure records (PublishFailureFunction).

When Lambda gives up on an asynchronous invocation of the publish function, it sends an
invocation record to the on-failure destination (PublishFailureQueue). This is its shape, as
Lambda documents it ("Capturing records of Lambda asynchronous invocations"); for a timeout the
runtime reports `Sandbox.Timedout`, for an out-of-memory kill `Runtime.OutOfMemory`, and for
`EventAgeExceeded` there is no response at all:

    {
      "version": "1.0",
      "timestamp": "2026-11-20T08:15:02.117Z",
      "requestContext": {
        "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        "functionArn": "arn:aws:lambda:…:function:newsdesk-PublishFunction:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3
      },
      "requestPayload": {"Records": [<the S3 event record>]},
      "responseContext": {
        "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"
      },
      "responsePayload": {
        "errorMessage": "... Task timed out after 30.03 seconds", "errorType": "Sandbox.Timedout"
      }
    }

The record reaches the function as the body of an SQS message, in Lambda's SQS event.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from newsdesk import config
from newsdesk.dal import clients
from newsdesk.handlers.publish import PublishFailedError
from newsdesk.logic.publishing.reports import FAILED_FINALLY, GO_LIVE_FAILED

from infra.template.reading import create_table_request, handler_path, resources
from tests.conftest import REGION
from tests.integration.test_publish import ARTICLE, Desk, LambdaContext, article_file, live

FUNCTION_ARN = f"arn:aws:lambda:{REGION}:123456789012:function:newsdesk-PublishFunction"
TIMED_OUT = {
    "errorMessage": "2026-11-20T08:15:01.982Z 3f1c Task timed out after 30.03 seconds",
    "errorType": "Sandbox.Timedout",
}


def on_failure_record(
    *s3_records: dict[str, Any],
    condition: str = "RetriesExhausted",
    error: dict[str, Any] | None = TIMED_OUT,
    timestamp: str = "2026-11-20T08:15:02.117Z",
) -> dict[str, Any]:
    """The invocation record Lambda sends when it gives up on an S3 event."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": timestamp,
        "requestContext": {
            "requestId": "e4b46cbf-b738-4f2e-8880-a18cdf61200e",
            "functionArn": f"{FUNCTION_ARN}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": 3 if condition == "RetriesExhausted" else 1,
        },
        "requestPayload": {"Records": list(s3_records)},
    }
    if error is not None:
        record["responseContext"] = {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        }
        record["responsePayload"] = error
    return record


class FailureQueues:
    """The template's PublishFailureQueue and PublishDeadLetterQueue in moto, and the function."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sqs = boto3.client("sqs", region_name=REGION)
        queues = resources("AWS::SQS::Queue")
        assert {"PublishFailureQueue", "PublishDeadLetterQueue"} <= set(queues)
        self.dead_letters = self.sqs.create_queue(QueueName="PublishDeadLetterQueue")["QueueUrl"]
        self.failures = self.sqs.create_queue(QueueName="PublishFailureQueue")["QueueUrl"]
        self.failures_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.failures, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        monkeypatch.setenv("PUBLISH_DEAD_LETTER_QUEUE_URL", self.dead_letters)
        config.settings.cache_clear()
        clients.reset()
        module, _, name = handler_path("PublishFailureFunction").rpartition(".")
        self.handler = getattr(importlib.import_module(module), name)

    def deliver(self, *records: dict[str, Any] | str) -> dict[str, Any]:
        """Send the records to the failure queue as Lambda would; run the function on them."""
        for record in records:
            body = record if isinstance(record, str) else json.dumps(record)
            self.sqs.send_message(QueueUrl=self.failures, MessageBody=body)
        messages = self.sqs.receive_message(
            QueueUrl=self.failures,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )["Messages"]
        event = {"Records": [self._sqs_record(m) for m in messages]}
        result: dict[str, Any] = self.handler(event, LambdaContext("PublishFailureFunction"))
        return result

    def _sqs_record(self, message: dict[str, Any]) -> dict[str, Any]:
        """One record of Lambda's SQS event, from the message as SQS returned it."""
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.failures_arn,
            "awsRegion": REGION,
        }

    def kept(self) -> list[str]:
        """Bodies waiting in the dead-letter queue for an operator."""
        response = self.sqs.receive_message(QueueUrl=self.dead_letters, MaxNumberOfMessages=10)
        return [m["Body"] for m in response.get("Messages", [])]


@pytest.fixture
def queues(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> FailureQueues:
    return FailureQueues(monkeypatch)


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


def test_a_timed_out_upload_gets_a_final_failed_report_and_stays_for_replay(
    desk: Desk, queues: FailureQueues
) -> None:
    assert desk.upload("articles/legeplads.md", article_file())["status"] == "published"
    # The newer upload's invocations all timed out: the handler never wrote a report.
    record = desk.put("articles/legeplads.md", article_file(title="Ny titel"))
    failure = on_failure_record(record)
    assert queues.deliver(failure) == {"batchItemFailures": []}
    report = desk.report("articles/legeplads.md")
    assert (report["status"], report["errors"], report["slug"]) == ("failed", [], "legeplads")
    assert report["message"] == FAILED_FINALLY
    assert report["processed_at"] == "2026-11-20T08:15:02.117000Z"
    assert live("legeplads").title == ARTICLE["title"]  # the live version is untouched
    assert [json.loads(body) for body in queues.kept()] == [failure]
    # Redelivered (SQS is at least once): the same report, nothing else changes.
    assert queues.deliver(failure) == {"batchItemFailures": []}
    assert desk.report("articles/legeplads.md") == report
    # The operator's replay of the kept S3 event publishes it and rewrites the report.
    desk.send(record)
    assert desk.report("articles/legeplads.md")["status"] == "published"
    assert live("legeplads").title == "Ny titel"


def test_a_failure_never_hides_the_report_of_a_newer_or_equal_event(
    desk: Desk, queues: FailureQueues
) -> None:
    older = desk.put("articles/legeplads.md", article_file(title="Først"))
    newer = desk.put("articles/legeplads.md", article_file(title="Bagefter"))
    desk.send(newer)
    queues.deliver(on_failure_record(older))
    assert desk.report("articles/legeplads.md")["status"] == "published"
    # The decided event itself, given up on later (a duplicate delivery that timed out).
    queues.deliver(on_failure_record(newer))
    assert desk.report("articles/legeplads.md")["status"] == "published"
    assert live("legeplads").title == "Bagefter"


def test_failures_of_two_events_leave_the_newer_ones_report(
    desk: Desk, queues: FailureQueues
) -> None:
    older = desk.put("articles/legeplads.md", article_file(title="Først"))
    newer = desk.put("articles/legeplads.md", article_file(title="Bagefter"))
    queues.deliver(on_failure_record(newer, timestamp="2026-11-20T08:20:00.000Z"))
    queues.deliver(on_failure_record(older, timestamp="2026-11-20T08:25:00.000Z"))
    report = desk.report("articles/legeplads.md")
    assert (report["status"], report["processed_at"]) == ("failed", "2026-11-20T08:20:00Z")


def test_an_out_of_memory_batch_reports_every_key_and_skips_other_records(
    desk: Desk, queues: FailureQueues
) -> None:
    first = desk.put("articles/første side.md", article_file(slug="forste"))
    second = desk.put("ebooks/guide.md", b"---\ntitle: Guide\n---\n")
    foreign = desk.put("articles/fremmed.md", article_file())
    foreign["s3"]["bucket"]["name"] = "another-bucket"
    out_of_memory = {
        "errorMessage": "Runtime exited with error: signal: killed",
        "errorType": "Runtime.OutOfMemory",
    }
    queues.deliver(on_failure_record(first, second, foreign, error=out_of_memory))
    assert first["s3"]["object"]["key"] == "articles/f%C3%B8rste+side.md"
    assert desk.report("articles/første side.md")["status"] == "failed"
    assert desk.report("ebooks/guide.md")["status"] == "failed"
    assert not desk.has_report("articles/fremmed.md")


def test_an_event_too_old_to_retry_is_reported_too(desk: Desk, queues: FailureQueues) -> None:
    record = desk.put("articles/legeplads.md", article_file())
    queues.deliver(on_failure_record(record, condition="EventAgeExceeded", error=None))
    report = desk.report("articles/legeplads.md")
    assert (report["status"], report["slug"]) == ("failed", None)


def test_what_is_not_an_upload_failure_is_kept_unreported(
    desk: Desk, queues: FailureQueues
) -> None:
    go_live = go_live_failure("articles/x.md", "0A")
    assert queues.deliver("not json {", go_live) == {"batchItemFailures": []}
    assert sorted(queues.kept()) == sorted(["not json {", json.dumps(go_live)])
    assert not desk.has_report("articles/x.md")


def go_live_failure(key: str, sequencer: str, version_id: str | None = None) -> dict[str, Any]:
    """The on-failure record of a go-live (EventBridge Scheduler invokes asynchronously)."""
    record = on_failure_record(error=TIMED_OUT)
    record["requestPayload"] = {
        "go_live": {"key": key, "sequencer": sequencer, "version_id": version_id}
    }
    return record


def _go_live_of(record: dict[str, Any]) -> dict[str, Any]:
    """The on-failure record of the go-live the upload `record` scheduled."""
    s3_object = record["s3"]["object"]
    key = unquote_plus(s3_object["key"])
    return go_live_failure(key, s3_object["sequencer"], s3_object.get("versionId"))


KEY_LATER = "articles/senere.md"
LATER = "2099-06-01T09:00:00+00:00"


def test_a_failed_go_live_says_so_in_the_report(desk: Desk, queues: FailureQueues) -> None:
    scheduled = desk.put(KEY_LATER, article_file(published_at=LATER))
    desk.send(scheduled)
    assert desk.report(KEY_LATER)["status"] == "scheduled"
    assert desk.report(KEY_LATER)["live_at"] == "2099-06-01T09:00:00Z"
    failure = _go_live_of(scheduled)
    queues.deliver(failure)
    report = desk.report(KEY_LATER)
    assert (report["status"], report["slug"]) == ("failed", None)
    assert report["message"] == GO_LIVE_FAILED
    assert report["live_at"] == "2099-06-01T09:00:00Z"
    assert report["processed_at"] == "2026-11-20T08:15:02.117000Z"
    assert queues.kept() == [json.dumps(failure)]
    # Uploading again publishes as usual (here: scheduled again) and replaces the report.
    desk.send(desk.put(KEY_LATER, article_file(published_at=LATER, title="Igen")))
    assert desk.report(KEY_LATER)["status"] == "scheduled"


def test_a_superseded_go_live_failure_changes_no_report(desk: Desk, queues: FailureQueues) -> None:
    first = desk.put(KEY_LATER, article_file(published_at=LATER))
    desk.send(first)
    desk.send(desk.put(KEY_LATER, article_file(published_at=LATER, title="Ny udgave")))
    before = desk.report(KEY_LATER)
    queues.deliver(_go_live_of(first))
    assert desk.report(KEY_LATER) == before
    desk.send(desk.put(KEY_LATER, article_file(published_at=None)))
    published = desk.report(KEY_LATER)
    assert published["status"] == "published"
    queues.deliver(_go_live_of(first))
    assert desk.report(KEY_LATER) == published


def test_a_message_that_cannot_be_kept_is_delivered_again(
    desk: Desk, queues: FailureQueues
) -> None:
    record = desk.put("articles/legeplads.md", article_file())
    queues.sqs.delete_queue(QueueUrl=queues.dead_letters)
    # Every message of the batch failed: the invocation fails, SQS delivers them again after
    # the visibility timeout and, after maxReceiveCount, redrives them to the DLQ.
    with pytest.raises(BatchProcessingError, match="All records failed"):
        queues.deliver(on_failure_record(record))
    assert desk.report("articles/legeplads.md")["status"] == "failed"


def test_the_publish_handlers_first_failure_report_becomes_the_final_one(
    desk: Desk, queues: FailureQueues
) -> None:
    record = desk.put("articles/legeplads.md", article_file())
    desk.dynamodb.delete_table(TableName=desk.table)
    with pytest.raises(PublishFailedError):
        desk.send(record)
    assert "prøves automatisk igen" in desk.report("articles/legeplads.md")["message"]
    desk.dynamodb.create_table(**create_table_request(desk.table))
    queues.deliver(on_failure_record(record))
    assert desk.report("articles/legeplads.md")["message"] == FAILED_FINALLY
