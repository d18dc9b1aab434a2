"""moto as the local stack patches it: a cancelled TransactWriteItems is rolled back in place
from an undo log of the items it names (not from a deep copy of the whole table), with the
outcome moto's own rollback gives: every item as before, no stream record left behind; and a
Query reads one partition instead of sorting the whole table, with moto's own answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models import dynamodb_backends

from infra.local import motopatch
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


# --- Query reads one partition (or skips the sort it redoes): same answers as moto's own ---

_LETTERS = st.sampled_from(["a", "b", "c"])
_ITEMS = st.lists(
    st.tuples(_LETTERS, st.text("xyz", min_size=1, max_size=3), _LETTERS, st.booleans()),
    max_size=25,
)


def _all_pages(dynamodb: Any, **request: Any) -> list[list[dict[str, Any]]]:
    pages = []
    while True:
        page = dynamodb.query(**request)
        pages.append(page["Items"])
        if "LastEvaluatedKey" not in page:
            return pages
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=_ITEMS,
    partition=_LETTERS,
    forward=st.booleans(),
    limit=st.integers(1, 4),
    prefix=st.sampled_from(["", "x", "y"]),
)
def test_queries_answer_as_moto_does(
    dynamodb: Any,
    items: list[tuple[str, str, str, bool]],
    partition: str,
    forward: bool,
    limit: int,
    prefix: str,
) -> None:
    name = f"query-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(**create_table_request(name))
    for pk, sk, group, indexed in items:
        item = {"PK": {"S": pk}, "SK": {"S": sk}}
        if indexed:
            item |= {"GSI1PK": {"S": group}, "GSI1SK": {"S": sk[::-1]}}
        dynamodb.put_item(TableName=name, Item=item)
    condition = "PK = :p" + (" AND begins_with(SK, :s)" if prefix else "")
    values = {":p": {"S": partition}} | ({":s": {"S": prefix}} if prefix else {})
    requests = [
        {"KeyConditionExpression": condition, "ExpressionAttributeValues": values},
        {
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :p",
            "ExpressionAttributeValues": {":p": {"S": partition}},
        },
    ]
    for request in requests:
        request |= {"TableName": name, "ScanIndexForward": forward, "Limit": limit}
        patched = _all_pages(dynamodb, **request)
        with motopatch.moto_query():
            assert patched == _all_pages(dynamodb, **request)
    dynamodb.delete_table(TableName=name)


def test_moto_lists_its_services_once(dynamodb: Any) -> None:
    """The server's per-request lookup answers from the list read at install, unchanged."""
    assert moto.backends.list_of_moto_modules is motopatch._listed_moto_modules
    assert tuple(motopatch._listed_moto_modules()) == tuple(
        name
        for name in sorted(os.listdir(os.path.dirname(moto.__file__)))
        if os.path.isdir(os.path.join(os.path.dirname(moto.__file__), name))
        and not name.startswith("__")
    )
    assert "dynamodb" in motopatch._listed_moto_modules()
