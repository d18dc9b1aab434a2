"""The local stack's SQS event source: the template's SQS events are read, batches reach the
function as Lambda's SQS event, partial batch failures stay in the queue and are redriven."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.functions import FunctionSpec, LocalFunction, QueueTrigger, function_specs
from infra.local.intrinsics import Resolver
from infra.local.queues import QueuePoller
from infra.template.reading import load_template

REGION = "eu-north-1"


def test_the_templates_sqs_events_become_queue_triggers() -> None:
    resolver = Resolver(template=load_template(), region=REGION, stack_name="newsdesk")
    resolver.attributes[("PublishFailureQueue", "Arn")] = "arn:aws:sqs:eu-north-1:1:failures"
    specs = {spec.logical_id: spec for spec in function_specs(resolver)}
    (trigger,) = specs["PublishFailureFunction"].queues
    assert trigger.queue_arn == "arn:aws:sqs:eu-north-1:1:failures"
    assert (trigger.batch_size, trigger.report_item_failures) == (10, True)


@pytest.fixture
def sqs() -> Any:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def test_partial_failures_come_back_and_are_redriven(sqs: Any) -> None:
    dead = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
    policy = {"deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": 2}
    url = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": json.dumps(policy)})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for body in ("good", "bad", "also good"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(event["Records"])
        bad = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in bad]}

    spec = FunctionSpec("Consumer", "consumer.handler", Path("."), {})
    function = LocalFunction(spec, REGION)
    function.handler = handler
    trigger = QueueTrigger("Work", arn, batch_size=10, report_item_failures=True)
    poller = QueuePoller(sqs, url, trigger, function, REGION, retry_after=0)
    try:
        assert poller.poll_once() == 3
        record = seen[0]
        assert (record["eventSource"], record["eventSourceARN"]) == ("aws:sqs", arn)
        assert {"messageId", "receiptHandle", "body", "attributes", "md5OfBody"} <= set(record)
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        # Only the failed message comes back; after maxReceiveCount it is in the DLQ.
        assert poller.poll_once() == 1
        assert seen[-1]["body"] == "bad"
        assert poller.poll_once() == 0
        moved = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10)["Messages"]
        assert [m["Body"] for m in moved] == ["bad"]
    finally:
        function.shutdown()
