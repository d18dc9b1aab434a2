"""moto as the local stack patches it: a cancelled TransactWriteItems is rolled back in place
from an undo log of the items it names (not from a deep copy of the whole table), with the
outcome moto's own rollback gives: every item as before, no stream record left behind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends

from infra.local.intrinsics import ACCOUNT_ID
from infra.local.stack import MotoServer
from infra.template.reading import create_table_request

REGION = "eu-north-1"


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    server = MotoServer("127.0.0.1", 0)
    server.start()
    yield boto3.client(
        "dynamodb",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # pragma: allowlist secret
    )
    server.stop()


@pytest.fixture
def table(dynamodb: Any) -> str:
    name = f"patched-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(**create_table_request(name))
    for pk, value in (("keep", "1"), ("gone", "1"), ("guard", "1")):
        dynamodb.put_item(TableName=name, Item=key(pk) | {"v": {"N": value}})
    return name


def key(pk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": "A#META"}}


def contents(dynamodb: Any, name: str) -> dict[str, dict[str, Any]]:
    items = dynamodb.scan(TableName=name, ConsistentRead=True)["Items"]
    return {item["PK"]["S"]: item for item in items}


def stream_length(name: str) -> int:
    return len(dynamodb_backends[ACCOUNT_ID][REGION].tables[name].stream_shard.items)


def writes(name: str) -> list[dict[str, Any]]:
    """A put of a new item, an update, a delete: one of each kind of change."""
    return [
        {"Put": {"TableName": name, "Item": key("new") | {"v": {"N": "7"}}}},
        {
            "Update": {
                "TableName": name,
                "Key": key("keep"),
                "UpdateExpression": "SET v = :v, extra = :v",
                "ExpressionAttributeValues": {":v": {"N": "2"}},
            }
        },
        {"Delete": {"TableName": name, "Key": key("gone")}},
    ]


def test_a_cancelled_transaction_changes_nothing(dynamodb: Any, table: str) -> None:
    before, records = contents(dynamodb, table), stream_length(table)
    backing = dynamodb_backends[ACCOUNT_ID][REGION].tables[table]
    failing_check = {
        "ConditionCheck": {
            "TableName": table,
            "Key": key("guard"),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(TransactItems=[*writes(table), failing_check])
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert contents(dynamodb, table) == before
    assert stream_length(table) == records
    assert dynamodb_backends[ACCOUNT_ID][REGION].tables[table] is backing


def test_an_invalid_transaction_changes_nothing(dynamodb: Any, table: str) -> None:
    before, records = contents(dynamodb, table), stream_length(table)
    twice = {"Delete": {"TableName": table, "Key": key("new")}}  # "new" is also put
    with pytest.raises(dynamodb.exceptions.ClientError, match="ValidationException"):
        dynamodb.transact_write_items(TransactItems=[*writes(table), twice])
    assert contents(dynamodb, table) == before
    assert stream_length(table) == records


def test_a_committed_transaction_applies_every_write(dynamodb: Any, table: str) -> None:
    records = stream_length(table)
    dynamodb.transact_write_items(TransactItems=writes(table))
    after = contents(dynamodb, table)
    assert sorted(after) == ["guard", "keep", "new"]
    assert after["keep"]["v"] == {"N": "2"} and after["keep"]["extra"] == {"N": "2"}
    assert after["new"]["v"] == {"N": "7"}
    assert stream_length(table) == records + 3
    # The undo log copied items; the next cancelled transaction still restores this state.
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": table, "Key": key("keep")}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": key("guard"),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )
    assert contents(dynamodb, table) == after
