"""A `make run` stopped while its triggers had work in hand finishes that work after the
restore: stream records in a batch or buffer are delivered again (a related settle cut short
left 25 articles without teasers for good), and uploads still queued or being published are
published (they got no report). Lambda delivers at least once; the handlers ignore repeats.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.models import dynamodb_backends

from infra.local import snapshot
from infra.local.functions import (
    AsyncInvoker,
    FunctionSpec,
    LocalFunction,
    S3Trigger,
    StreamTrigger,
)
from infra.local.intrinsics import ACCOUNT_ID
from infra.local.s3events import BucketWatcher, Sequencer
from infra.local.stack import MotoServer
from infra.local.streams import MotoStreamSource, StreamPoller
from infra.template.reading import TEMPLATE_PATH, create_table_request
from tests.integration.test_local_stack_triggers import REGION, client, eventually

pytestmark = pytest.mark.slow

PRINT = snapshot.fingerprint(TEMPLATE_PATH, {}, REGION)


def function(name: str, handler: Callable[[dict[str, Any], Any], Any]) -> LocalFunction:
    local = LocalFunction(FunctionSpec(name, "-", TEMPLATE_PATH.parent, {}), REGION)
    local.handler = handler
    return local


def keys_of(event: dict[str, Any]) -> list[str]:
    return [record["dynamodb"]["Keys"]["PK"]["S"] for record in event["Records"]]


def test_stream_records_in_hand_at_a_stop_are_delivered_after_the_restore(
    moto: MotoServer, tmp_path: Path
) -> None:
    name = f"inhand-{uuid.uuid4().hex[:8]}"
    dynamodb = client(moto, "dynamodb")
    arn = dynamodb.create_table(**create_table_request(name))["TableDescription"]["LatestStreamArn"]
    handled: list[str] = []
    entered, release = threading.Event(), threading.Event()

    def slow_settle(event: dict[str, Any], context: Any) -> None:
        if "slow" in keys_of(event):
            entered.set()
            release.wait(10)  # the stop comes while this batch is being handled
        handled.extend(keys_of(event))

    trigger = StreamTrigger(name="Changes", stream_arn=arn, batch_size=1)
    settle = function("Related", slow_settle)
    poller = StreamPoller(
        MotoStreamSource(moto.lock, arn, REGION), trigger, settle, REGION, lambda *_: None, 0.05
    )
    poller.start()
    item = {"SK": {"S": "A#META"}}
    dynamodb.put_item(TableName=name, Item={"PK": {"S": "done"}, **item})
    eventually(lambda: handled == ["done"] or None, "the first record handled")
    # Read together: "slow" is the batch in hand, "buffered" waits for the next one.
    dynamodb.batch_write_item(
        RequestItems={
            name: [
                {"PutRequest": {"Item": {"PK": {"S": pk}, **item}}} for pk in ("slow", "buffered")
            ]
        }
    )
    assert entered.wait(10)
    assert poller.pending == 2
    poller.stop(timeout=0.1)  # the stack's grace runs out: the batch is still in hand

    path = tmp_path / "snapshot.pickle"
    in_hand = snapshot.InHand(streams={"Related/Changes": poller.unhandled_from()})  # type: ignore[dict-item]
    snapshot.save(path, moto.lock, REGION, PRINT, {}, in_hand)
    release.set()  # the process would end here; the old thread's late writes do not count
    restored = snapshot.restore(path, REGION, PRINT)

    assert restored is not None
    shard = dynamodb_backends[ACCOUNT_ID][REGION].tables[name].stream_shard
    assert len(shard.items) == 2  # what was handled is dropped, the rest is kept
    again: list[str] = []
    source = MotoStreamSource(
        moto.lock, arn, REGION, resume=restored.in_hand.streams["Related/Changes"]
    )
    source.start()
    again += [r["dynamodb"]["Keys"]["PK"]["S"] for r in source.read(1000)[2]]
    assert again == ["slow", "buffered"]
    # A snapshot without positions (older ones) starts after every record, as before.
    snapshot.save(path, moto.lock, REGION, PRINT, {})
    assert snapshot.restore(path, REGION, PRINT) is not None
    fresh = MotoStreamSource(moto.lock, arn, REGION)
    fresh.start()
    assert fresh.read(1000)[2] == []
    settle.shutdown()


def test_uploads_in_hand_at_a_stop_are_delivered_after_the_restore(moto: MotoServer) -> None:
    s3 = client(moto, "s3")
    bucket = f"inhand-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="articles/gone.md", Body=b"x")
    published: list[str] = []
    entered, release = threading.Event(), threading.Event()

    def publish(event: dict[str, Any], context: Any) -> None:
        record = event["Records"][0]
        if record["s3"]["object"]["key"] == "articles/slow.md":
            entered.set()
            release.wait(10)
        published.append(f"{record['eventName']} {record['s3']['object']['key']}")

    invoker = AsyncInvoker(function("Publish", publish), lambda *_: None)
    invoker.start()
    trigger = S3Trigger("Upload", bucket, ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), "articles/")
    watcher = BucketWatcher(
        moto.list_versions, bucket, REGION, [(trigger, invoker.submit)], Sequencer()
    )
    watcher.scan()
    eventually(lambda: published == ["ObjectCreated:Put articles/gone.md"] or None, "published")
    s3.put_object(Bucket=bucket, Key="articles/slow.md", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="articles/gone.md")
    watcher.scan()
    assert entered.wait(10)
    invoker.stop(timeout=0.1)  # slow.md is being published, the deletion is queued
    handled = watcher.handled()
    release.set()

    def recording(seen: list[str]) -> BucketWatcher:
        """A watcher of the restarted stack that records what it delivers."""
        target = (trigger, lambda event, source, done: seen.append(source))
        return BucketWatcher(moto.list_versions, bucket, REGION, [target], Sequencer())

    after: list[str] = []
    restored = recording(after)
    restored.baseline(handled)
    restored.scan()
    assert after == [
        "s3 ObjectCreated:Put articles/slow.md",
        "s3 ObjectRemoved:DeleteMarkerCreated articles/gone.md",
    ]
    # Without what a snapshot had handled (an older one), the bucket counts as handled.
    quiet: list[str] = []
    older = recording(quiet)
    older.baseline()
    older.scan()
    assert quiet == []
