"""The local stack's in-process transport: its own process's DynamoDB calls reach moto's app
without a socket, with the answers (and errors) HTTP gives; S3 and other processes keep HTTP."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from infra.local.stack import MotoServer
from infra.template.reading import create_table_request

REGION = "eu-north-1"


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # pragma: allowlist secret
    )


@pytest.fixture
def server() -> Iterator[tuple[MotoServer, Counter[str]]]:
    """A started moto server whose HTTP requests are counted (by target or method)."""
    moto = MotoServer("127.0.0.1", 0)
    over_http: Counter[str] = Counter()
    app = moto.server.app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        over_http[environ.get("HTTP_X_AMZ_TARGET") or environ["REQUEST_METHOD"]] += 1
        return app(environ, start_response)

    moto.server.app = counting
    moto.start()
    yield moto, over_http
    moto.stop()


def test_dynamodb_calls_are_served_in_process_with_the_answers_http_gives(
    server: tuple[MotoServer, Counter[str]],
) -> None:
    moto, over_http = server
    dynamodb = client("dynamodb", moto.url)
    table = f"transport-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(**create_table_request(table))
    key = {"PK": {"S": "ARTICLE#a"}, "SK": {"S": "A#META"}}
    dynamodb.put_item(TableName=table, Item=key | {"title": {"S": "Æbler på torvet"}})
    for _ in range(3):
        dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["title"] == {"S": "Æbler på torvet"} and item["n"] == {"N": "3"}
    with pytest.raises(ClientError) as failed:
        dynamodb.put_item(TableName=table, Item=key, ConditionExpression="attribute_not_exists(PK)")
    assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    stream = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = client("dynamodbstreams", moto.url)
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]
    assert shard["ShardId"]
    # Not one DynamoDB request went over the socket; S3 still does.
    assert over_http == Counter()
    client("s3", moto.url).list_buckets()
    assert set(over_http) == {"GET"}


def test_a_stopped_server_is_not_served_in_process(
    server: tuple[MotoServer, Counter[str]],
) -> None:
    moto, _ = server
    dynamodb = client("dynamodb", moto.url)
    dynamodb.list_tables()
    moto.stop()
    with pytest.raises(EndpointConnectionError):
        dynamodb.list_tables()
