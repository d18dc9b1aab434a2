"""`make run`'s snapshot survives template changes that do not touch what it stores, and one
that no longer fits is set aside instead of being overwritten by the next run's own."""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends

from infra.local import snapshot
from infra.local.functions import S3Trigger
from infra.local.intrinsics import ACCOUNT_ID
from infra.local.s3events import BucketWatcher, Sequencer
from infra.local.stack import MotoServer
from infra.template.reading import TEMPLATE_PATH, create_table_request
from tests.integration.test_local_stack_triggers import client

REGION = "eu-north-1"
TEXT = TEMPLATE_PATH.read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    path = tmp_path / "template.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


BASE = snapshot.fingerprint(TEMPLATE_PATH, {}, REGION)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a comment, an alarm's threshold, a function's timeout, a stage setting
        ("# Stateful resources outlive the stack", "# Stateful resources outlive stacks"),
        ("Threshold: 300000", "Threshold: 600000"),
        ("      Timeout: 60\n", "      Timeout: 90\n"),
        ("ApiBurstLimit: 40", "ApiBurstLimit: 30"),
    ],
)
def test_changes_outside_the_stored_resources_keep_the_snapshot(
    tmp_path: Path, old: str, new: str
) -> None:
    assert snapshot.fingerprint(_variant(tmp_path, old, new), {}, REGION) == BASE


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the table's keys or indexes, a bucket's settings, a secret's declaration
        ("- IndexName: GSI3", "- IndexName: GSI4"),
        ("NoncurrentDays: 30", "NoncurrentDays: 31"),
        ("PasswordLength: 48", "PasswordLength: 40"),
    ],
)
def test_changes_to_the_stored_resources_start_fresh(tmp_path: Path, old: str, new: str) -> None:
    assert snapshot.fingerprint(_variant(tmp_path, old, new), {}, REGION) != BASE


def test_parameters_region_and_moto_still_count() -> None:
    assert snapshot.fingerprint(TEMPLATE_PATH, {"Stage": "prod"}, REGION) != BASE
    assert snapshot.fingerprint(TEMPLATE_PATH, {}, "eu-west-1") != BASE


@pytest.mark.parametrize("content", [b"not a pickle", pickle.dumps({"fingerprint": "other"})])
def test_a_snapshot_that_does_not_fit_is_set_aside_not_lost(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "snapshot.pickle"
    path.write_bytes(content)

    assert snapshot.restore(path, REGION, BASE) is None

    assert not path.exists()  # the run starts fresh and will save its own here
    assert (tmp_path / "snapshot.discarded.pickle").read_bytes() == content


def _versions(s3: Any, bucket: str) -> list[tuple[str, str, bool, str]]:
    listed = s3.list_object_versions(Bucket=bucket)
    return sorted(
        (entry["Key"], entry["VersionId"], entry["IsLatest"], kind)
        for kind in ("Versions", "DeleteMarkers")
        for entry in listed.get(kind, [])
    )


def test_every_version_of_every_key_survives_a_restart(moto: MotoServer, tmp_path: Path) -> None:
    """Old versions are the content history and what a scheduled go-live reads when a later
    upload was rejected; a restore used to keep only each key's newest version."""
    s3 = client(moto, "s3")
    bucket = f"history-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="articles/a.md", Body=b"first")["VersionId"]
    for body in (b"second", b"third"):
        s3.put_object(Bucket=bucket, Key="articles/a.md", Body=body)
    s3.put_object(Bucket=bucket, Key="articles/gone.md", Body=b"withdrawn")
    s3.delete_object(Bucket=bucket, Key="articles/gone.md")
    before = _versions(s3, bucket)
    trigger = S3Trigger("Upload", bucket, ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"), "")
    delivered: list[str] = []

    def deliver(event: dict[str, Any], source: str, done: Callable[[], None]) -> None:
        delivered.append(source)
        done()

    target = (trigger, deliver)
    watcher = BucketWatcher(moto.list_versions, bucket, REGION, [target], Sequencer())
    watcher.scan()
    handled = watcher.handled()
    path = tmp_path / "snapshot.pickle"

    snapshot.save(path, moto.lock, REGION, BASE, {}, snapshot.InHand(buckets={bucket: handled}))
    s3_backends[ACCOUNT_ID]["aws"].buckets.pop(bucket)  # nothing of it left but the file
    assert snapshot.restore(path, REGION, BASE) is not None

    assert len(before) == 5
    assert _versions(s3, bucket) == before
    # The restarted stack's watcher finds nothing to deliver; it sent ObjectRemoved:Delete for
    # every lost version, on every restart.
    delivered.clear()
    restarted = BucketWatcher(moto.list_versions, bucket, REGION, [target], Sequencer())
    restarted.baseline(handled)
    restarted.scan()
    assert delivered == []
    old = s3.get_object(Bucket=bucket, Key="articles/a.md", VersionId=first)
    assert old["Body"].read() == b"first"
    assert s3.get_object(Bucket=bucket, Key="articles/a.md")["Body"].read() == b"third"
    s3.put_object(Bucket=bucket, Key="articles/a.md", Body=b"fourth")  # the history goes on
    assert len(_versions(s3, bucket)) == 6


@pytest.mark.parametrize("handled", [0, 45, 50])
def test_the_snapshot_keeps_only_the_stream_records_a_reader_has_not_handled(
    moto: MotoServer, tmp_path: Path, handled: int
) -> None:
    """Records every reader had handled are dropped at restore; a busy session's snapshot
    was mostly such records (14,000 after 2,000 edits: 16 of its 17 MB)."""
    dynamodb = client(moto, "dynamodb")
    name = f"stream-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(**create_table_request(name))
    for number in range(50):
        dynamodb.put_item(TableName=name, Item={"PK": {"S": f"A#{number}"}, "SK": {"S": "META"}})
    table = dynamodb_backends[ACCOUNT_ID][REGION].tables[name]
    shard = table.stream_shard
    first = shard.starting_sequence_number
    in_hand = snapshot.InHand(
        streams={"Reader/Changes": (table.latest_stream_label, first + handled)}
    )
    path = tmp_path / "snapshot.pickle"

    snapshot.save(path, moto.lock, REGION, BASE, {}, in_hand)

    saved = pickle.loads(path.read_bytes())["dynamodb"].tables[name].stream_shard
    assert len(saved.items) == 50 - handled
    assert saved.starting_sequence_number == first + handled
    assert [r.record["eventID"] for r in saved.items] == [
        r.record["eventID"] for r in shard.items[handled:]
    ]
    assert len(shard.items) == 50  # the running stack's own records are untouched
    assert shard.starting_sequence_number == first
