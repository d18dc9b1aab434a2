"""The local stack's periodic save: its change signal moves with every write to the stored
resources and stays put for reads and stream trimming (an idle stack writes nothing), and a
save that fails leaves the last good snapshot in place."""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends

from infra.local import snapshot
from infra.local.intrinsics import ACCOUNT_ID
from infra.local.stack import LocalStack, StackConfig
from infra.local.streams import MotoStreamSource, StreamRetention
from infra.template.reading import TEMPLATE_PATH
from tests.conftest import BUCKET_NAME, REGION, SCHEDULE_GROUP, TABLE_NAME

PRINT = snapshot.fingerprint(TEMPLATE_PATH, {}, REGION)
ITEM = {"PK": {"S": "ARTICLE#a"}, "SK": {"S": "META"}}


def save(path: Path, unless: object = None) -> object | None:
    return snapshot.save(path, nullcontext(), REGION, PRINT, {}, unless=unless)


def test_every_write_to_a_stored_resource_changes_the_signal_and_reads_do_not(
    aws: dict[str, Any], tmp_path: Path
) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    scheduler = boto3.client("scheduler", region_name=REGION)
    path = tmp_path / "snapshot.pickle"
    last = save(path)
    assert last is not None and path.exists()

    def reads() -> None:
        dynamodb.get_item(TableName=TABLE_NAME, Key=ITEM)
        dynamodb.scan(TableName=TABLE_NAME)
        s3.list_object_versions(Bucket=BUCKET_NAME)
        scheduler.list_schedules(GroupName=SCHEDULE_GROUP)

    writes = [
        lambda: dynamodb.put_item(TableName=TABLE_NAME, Item=ITEM | {"n": {"N": "1"}}),
        lambda: dynamodb.put_item(TableName=TABLE_NAME, Item=ITEM | {"n": {"N": "2"}}),
        lambda: dynamodb.delete_item(TableName=TABLE_NAME, Key=ITEM),
        lambda: s3.put_object(Bucket=BUCKET_NAME, Key="articles/a.md", Body=b"x"),
        lambda: s3.put_object(Bucket=BUCKET_NAME, Key="articles/a.md", Body=b"x"),  # same bytes
        lambda: s3.delete_object(Bucket=BUCKET_NAME, Key="articles/a.md"),
        lambda: scheduler.create_schedule(
            Name="i-morgen",
            GroupName=SCHEDULE_GROUP,
            ScheduleExpression="at(2030-01-01T09:00:00)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:lambda:eu-north-1:123456789012:function:F", "RoleArn": "r"},
        ),
        lambda: scheduler.delete_schedule(Name="i-morgen", GroupName=SCHEDULE_GROUP),
    ]
    for write in writes:
        reads()
        written = path.stat().st_mtime_ns
        assert save(path, unless=last) is None  # nothing changed: nothing written
        assert path.stat().st_mtime_ns == written
        write()
        saved = save(path, unless=last)
        assert saved is not None, write
        last = saved

    # Dropping read stream records (the stack's retention) changes nothing stored that counts.
    source = MotoStreamSource(
        nullcontext(),
        dynamodb.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"],
        REGION,
        "TRIM_HORIZON",
        StreamRetention(retain_seconds=-1),
    )
    source.start()
    while source.read(1000)[2]:
        pass
    source.read(1000)  # caught up: trims
    shard = dynamodb_backends[ACCOUNT_ID][REGION].tables[TABLE_NAME].stream_shard
    assert shard.items == []
    assert save(path, unless=last) is None
    # Trigger positions count too: work in hand that finished is worth a save.
    in_hand = snapshot.InHand(streams={"Related/Changes": ("label", 7)})
    assert snapshot.save(path, nullcontext(), REGION, PRINT, {}, in_hand, unless=last) is not None


def test_a_failed_periodic_save_only_logs_and_keeps_the_last_snapshot(
    aws: dict[str, Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stack = LocalStack(StackConfig(state_dir=tmp_path, seed_dir=None))
    stack.moto = SimpleNamespace(lock=threading.RLock())  # type: ignore[assignment]  # moto's lock is all a save takes
    assert stack.save_snapshot()
    good = stack.snapshot_file.read_bytes()
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET_NAME, Key="x", Body=b"x")
    stack.snapshot_file.with_suffix(".tmp").mkdir()  # the temporary file cannot be written

    with caplog.at_level(logging.ERROR, logger="local.stack"):
        assert not stack.save_snapshot(if_changed=True)

    assert "keeps its last save" in caplog.text
    assert stack.snapshot_file.read_bytes() == good
    stack.snapshot_file.with_suffix(".tmp").rmdir()
    assert stack.save_snapshot(if_changed=True)  # retried at the next interval
    assert not stack.save_snapshot(if_changed=True)  # and then nothing to do
    stack._autosave_stop.set()  # stopping began: the stop's own save is the last
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET_NAME, Key="y", Body=b"y")
    assert not stack.save_snapshot(if_changed=True)
    assert stack.save_snapshot()
