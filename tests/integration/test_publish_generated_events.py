"""Events as `sam local generate-event s3 put|delete` makes them: no versionId, and the same
sequencer and eTag every time. An equal sequencer then cannot prove a duplicate, so each
event is decided from what S3 holds now — and replaying one still changes nothing."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import quote_plus

from tests.integration.test_publish import ARTICLE, Desk, LambdaContext, article_file, desk, live

__all__ = ["desk"]  # the fixture, re-exported for pytest

# The record `sam local generate-event s3 put --bucket B --key K` prints (eventVersion 2.0).
GENERATED_PUT: dict[str, Any] = {
    "eventVersion": "2.0",
    "eventSource": "aws:s3",
    "awsRegion": "us-east-1",
    "eventTime": "1970-01-01T00:00:00.000Z",
    "eventName": "ObjectCreated:Put",
    "userIdentity": {"principalId": "EXAMPLE"},
    "requestParameters": {"sourceIPAddress": "127.0.0.1"},
    "responseElements": {
        "x-amz-request-id": "EXAMPLE123456789",
        "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH",
    },
    "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "testConfigRule",
        "bucket": {
            "name": "example-bucket",
            "ownerIdentity": {"principalId": "EXAMPLE"},
            "arn": "arn:aws:s3:::example-bucket",
        },
        "object": {
            "key": "test/key",
            "size": 1024,
            "eTag": "0123456789abcdef0123456789abcdef",
            "sequencer": "0A1B2C3D4E5F678901",
        },
    },
}


def generated(desk: Desk, key: str, *, removed: bool = False) -> dict[str, Any]:
    """The generated event for `key` in the desk's bucket."""
    record = copy.deepcopy(GENERATED_PUT)
    if removed:
        record["eventName"] = "ObjectRemoved:Delete"
        del record["s3"]["object"]["size"], record["s3"]["object"]["eTag"]
    record["s3"]["bucket"].update(name=desk.bucket, arn=f"arn:aws:s3:::{desk.bucket}")
    record["s3"]["object"]["key"] = quote_plus(key, safe="/")
    return {"Records": [record]}


def test_generated_events_publish_reject_replay_and_unpublish(desk: Desk) -> None:
    key = "articles/Børnenes have.md"
    desk.s3.put_object(Bucket=desk.bucket, Key=key, Body=article_file())
    desk.handler(generated(desk, key), LambdaContext())
    assert desk.report(key)["status"] == "published"
    assert live("boernenes-have").title == ARTICLE["title"]

    desk.s3.put_object(Bucket=desk.bucket, Key=key, Body=article_file(title=None))
    desk.handler(generated(desk, key), LambdaContext())
    rejected = desk.report(key)
    assert rejected["status"] == "rejected"
    assert [error["field"] for error in rejected["errors"]] == ["title"]
    assert live("boernenes-have").title == ARTICLE["title"]

    before = desk.items()
    desk.handler(generated(desk, key), LambdaContext())  # a replay
    assert desk.report(key)["status"] == "rejected"
    after = desk.items()
    assert {k: v for k, v in after.items() if k[0] != f"SOURCE#{key}"} == {
        k: v for k, v in before.items() if k[0] != f"SOURCE#{key}"
    }

    desk.s3.put_object(Bucket=desk.bucket, Key=key, Body=article_file(title="Ny overskrift"))
    desk.handler(generated(desk, key), LambdaContext())
    assert live("boernenes-have").title == "Ny overskrift"

    desk.s3.delete_object(Bucket=desk.bucket, Key=key)
    desk.handler(generated(desk, key, removed=True), LambdaContext())
    assert desk.report(key)["status"] == "unpublished"
    assert live("boernenes-have") is None
