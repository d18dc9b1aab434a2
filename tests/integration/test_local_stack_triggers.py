"""The local stack's triggers against moto's server in this process: a stream trigger keeps
delivering after everything a client can make moto do to a table (a cancelled transaction,
which plain moto answers by swapping the table object for its backup; a deleted and
re-created table starts a new stream at the same sequence numbers), and watching costs moto
no memory per poll."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.s3.models import FakeKey

from infra.local.functions import FunctionSpec, LocalFunction, S3Trigger, StreamTrigger
from infra.local.intrinsics import ACCOUNT_ID
from infra.local.s3events import BucketWatcher, Sequencer
from infra.local.stack import MotoServer
from infra.local.streams import MotoStreamSource, StreamPoller, StreamRetention
from infra.template.reading import TEMPLATE_PATH, create_table_request

pytestmark = pytest.mark.slow

REGION = "eu-north-1"


def eventually[T](probe: Callable[[], T | None], what: str, deadline: float = 10.0) -> T:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if (result := probe()) is not None:
            return result
        time.sleep(0.05)
    pytest.fail(f"not within {deadline:.0f} s: {what}")


def client(moto: MotoServer, service: str) -> Any:
    return boto3.client(service, endpoint_url=moto.url, region_name=REGION)  # type: ignore[call-overload]


class Consumer:
    """A stream-triggered function that records the keys and source ARNs it was given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["PK"]["S"]
            self.seen.append((key, record["eventName"], record["eventSourceARN"]))

    def pks(self) -> list[str]:
        return [key for key, _, _ in self.seen]


@pytest.fixture
def table(moto: MotoServer) -> Iterator[tuple[str, Consumer, StreamPoller]]:
    """A table as the template declares it, its stream read as the local stack reads it."""
    name = f"triggers-{uuid.uuid4().hex[:8]}"
    dynamodb = client(moto, "dynamodb")
    description = dynamodb.create_table(**create_table_request(name))["TableDescription"]
    consumer = Consumer()
    function = LocalFunction(FunctionSpec("Consumer", "-", TEMPLATE_PATH.parent, {}), REGION)
    function.handler = consumer
    trigger = StreamTrigger(name="Changes", stream_arn=description["LatestStreamArn"])
    source = MotoStreamSource(moto.lock, trigger.stream_arn, REGION)
    poller = StreamPoller(source, trigger, function, REGION, lambda *_: None, poll_interval=0.05)
    poller.start()
    yield name, consumer, poller
    poller.stop()
    function.shutdown()


def item(key: str) -> dict[str, Any]:
    return {"PK": {"S": key}, "SK": {"S": "A#META"}}


def test_a_cancelled_transaction_does_not_stall_the_trigger(
    moto: MotoServer, table: tuple[str, Consumer, StreamPoller]
) -> None:
    name, consumer, _ = table
    dynamodb = client(moto, "dynamodb")
    dynamodb.put_item(TableName=name, Item=item("before"))
    eventually(lambda: consumer.pks() == ["before"] or None, "the first record")
    before = dynamodb_backends[ACCOUNT_ID][REGION].tables[name]
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": name, "Item": item("rolled-back")}},
                {
                    "Put": {
                        "TableName": name,
                        "Item": item("before"),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )
    # Rolled back in place (infra.local.motopatch); the poller would follow a swap as well.
    assert dynamodb_backends[ACCOUNT_ID][REGION].tables[name] is before
    dynamodb.put_item(TableName=name, Item=item("after"))
    eventually(lambda: "after" in consumer.pks() or None, "a record written after the rollback")
    assert consumer.pks() == ["before", "after"]  # and nothing of the rolled-back write


def test_a_re_created_table_is_followed_to_its_new_stream(
    moto: MotoServer, table: tuple[str, Consumer, StreamPoller]
) -> None:
    name, consumer, _ = table
    dynamodb = client(moto, "dynamodb")
    dynamodb.put_item(TableName=name, Item=item("old-table"))
    eventually(lambda: consumer.pks() == ["old-table"] or None, "the old table's record")
    dynamodb.delete_table(TableName=name)
    time.sleep(0.01)  # moto labels a stream by its creation time
    created = dynamodb.create_table(**create_table_request(name))["TableDescription"]
    dynamodb.put_item(TableName=name, Item=item("new-table"))
    eventually(lambda: "new-table" in consumer.pks() or None, "the new table's record")
    assert consumer.pks() == ["old-table", "new-table"]
    assert consumer.seen[-1][2] == created["LatestStreamArn"]


def test_polling_leaves_nothing_behind_in_moto(
    moto: MotoServer, table: tuple[str, Consumer, StreamPoller]
) -> None:
    """moto kept every shard iterator and every copied model: idle memory grew per poll."""
    _, _, poller = table
    s3 = client(moto, "s3")
    bucket = f"watched-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="articles/a.md", Body=b"x" * 1_000_000)
    s3.delete_object(Bucket=bucket, Key="articles/a.md")
    delivered: list[str] = []
    trigger = S3Trigger("Upload", bucket, ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), "articles/")
    watcher = BucketWatcher(
        moto.list_versions,
        bucket,
        REGION,
        [(trigger, lambda e, s, done: delivered.append(s))],
        Sequencer(),
    )
    cycles = poller.cycles
    for _ in range(20):
        watcher.scan()
    eventually(lambda: poller.cycles >= cycles + 20 or None, "20 stream polls")
    assert delivered == [
        "s3 ObjectCreated:Put articles/a.md",
        "s3 ObjectRemoved:DeleteMarkerCreated articles/a.md",
    ]
    assert FakeKey.instances_tracked == []  # type: ignore[attr-defined]
    assert dynamodbstreams_backends[ACCOUNT_ID][REGION].shard_iterators == {}


def test_read_records_are_trimmed_behind_the_slowest_reader(moto: MotoServer) -> None:
    """A long `make run` kept every change ever made in the stream shard (and its snapshot);
    now records every reader has passed go once old, and positions stay right."""
    name = f"retention-{uuid.uuid4().hex[:8]}"
    dynamodb = client(moto, "dynamodb")
    arn = dynamodb.create_table(**create_table_request(name))["TableDescription"]["LatestStreamArn"]
    retention = StreamRetention(retain_seconds=0)
    fast, slow = (MotoStreamSource(moto.lock, arn, REGION, "LATEST", retention) for _ in "ab")
    fast.start()
    slow.start()
    shard = dynamodb_backends[ACCOUNT_ID][REGION].tables[name].stream_shard
    for index in range(5):
        dynamodb.put_item(TableName=name, Item=item(f"k{index}"))

    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in fast.read(1000)[2]] == [
        f"k{index}" for index in range(5)
    ]
    assert fast.read(1000)[2] == []  # caught up, but `slow` has read nothing: all kept
    assert len(shard.items) == 5
    assert len(slow.read(3)[2]) == 3
    assert fast.read(1000)[2] == []
    assert len(shard.items) == 2  # the three both have read are gone
    dynamodb.put_item(TableName=name, Item=item("k5"))
    later = [r["dynamodb"]["Keys"]["PK"]["S"] for r in slow.read(1000)[2]]
    assert later == ["k3", "k4", "k5"]  # positions survive the trim
    sequence = int(fast.read(1000)[2][0]["dynamodb"]["SequenceNumber"])
    assert sequence == shard.starting_sequence_number + len(shard.items) - 1
    assert slow.read(1000)[2] == []
    assert shard.items == []


def test_recent_records_are_kept_for_a_developers_own_get_records(moto: MotoServer) -> None:
    name = f"retention-{uuid.uuid4().hex[:8]}"
    dynamodb = client(moto, "dynamodb")
    arn = dynamodb.create_table(**create_table_request(name))["TableDescription"]["LatestStreamArn"]
    source = MotoStreamSource(moto.lock, arn, REGION, "LATEST", StreamRetention())
    source.start()
    dynamodb.put_item(TableName=name, Item=item("k"))
    assert len(source.read(1000)[2]) == 1
    assert source.read(1000)[2] == []
    streams = client(moto, "dynamodbstreams")
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert len(streams.get_records(ShardIterator=iterator)["Records"]) == 1


def test_an_unchanged_bucket_is_not_listed_again_and_every_change_is_seen(
    moto: MotoServer,
) -> None:
    """A bucket keeps every version, so listing and diffing it every 0.3 s cost idle CPU in
    proportion to a session's uploads; with the bucket's marker, a scan of an unchanged
    bucket lists nothing, and every kind of change is still delivered once."""
    s3 = client(moto, "s3")
    bucket = f"marked-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for _ in range(50):
        s3.put_object(Bucket=bucket, Key="articles/a.md", Body=b"edit")
    listings = 0

    def lister(name: str, prefix: str) -> Any:
        nonlocal listings
        listings += 1
        return moto.list_versions(name, prefix)

    delivered: list[str] = []
    trigger = S3Trigger("Upload", bucket, ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), "articles/")
    watcher = BucketWatcher(
        lister,
        bucket,
        REGION,
        [(trigger, lambda e, s, done: delivered.append(s))],
        Sequencer(),
        moto.bucket_mark,
    )
    watcher.scan()
    assert (listings, len(delivered)) == (1, 50)
    for _ in range(100):
        watcher.scan()
    assert (listings, watcher.scans) == (1, 101)

    latest = s3.put_object(Bucket=bucket, Key="articles/a.md", Body=b"x")["VersionId"]
    watcher.scan()
    s3.delete_object(Bucket=bucket, Key="articles/a.md", VersionId=latest)  # the newest goes
    s3.put_object(Bucket=bucket, Key="articles/a.md", Body=b"y")  # as many versions as before
    watcher.scan()
    s3.delete_object(Bucket=bucket, Key="articles/a.md")  # a delete marker
    watcher.scan()
    watcher.scan()
    assert delivered[50:] == [
        "s3 ObjectCreated:Put articles/a.md",
        "s3 ObjectRemoved:Delete articles/a.md",
        "s3 ObjectCreated:Put articles/a.md",
        "s3 ObjectRemoved:DeleteMarkerCreated articles/a.md",
    ]
    assert listings == 4
