"""The table's stream as Lambda hands it to the template's stream functions, read from moto.

Records come from moto's DynamoDB Streams API (GetRecords), are shaped as Lambda delivers them
(`infra.local.streams.lambda_record`), filtered with the function's own FilterCriteria and
passed, in order, to the handler the template names.
"""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from infra.local import patterns
from infra.local.streams import lambda_record
from infra.template.reading import handler_path, load_template
from tests.conftest import REGION


@dataclass
class Context:
    """The context attributes Powertools reads."""

    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _stream_filters(logical_id: str) -> list[Any]:
    events = load_template()["Resources"][logical_id]["Properties"]["Events"]
    (trigger,) = [e["Properties"] for e in events.values() if e["Type"] == "DynamoDB"]
    return [patterns.parse(f["Pattern"]) for f in trigger["FilterCriteria"]["Filters"]]


class StreamTap:
    """Reads the stream from its start and delivers new records to template functions."""

    def __init__(self, table: str) -> None:
        # moto routes DynamoDB Streams calls only without the account-id endpoint (botocore
        # >= 1.40 adds it by default).
        self.streams = boto3.client(
            "dynamodbstreams",
            region_name=REGION,
            config=Config(account_id_endpoint_mode="disabled"),
        )
        arn = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        self.arn = arn
        self.iterators: dict[str, str | None] = {}
        self.delivered: list[dict[str, Any]] = []

    def _new_records(self) -> list[dict[str, Any]]:
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self.iterators[shard_id]
            while iterator:
                response = self.streams.get_records(ShardIterator=iterator)
                raw = response.get("Records", [])
                records += [lambda_record(r, self.arn, REGION) for r in raw]
                iterator = response.get("NextShardIterator")
                if not raw:
                    break
            self.iterators[shard_id] = iterator
        return records

    def deliver(self, *logical_ids: str, batch_size: int = 25) -> list[dict[str, Any]]:
        """Hand every record since the last delivery to each function, in stream order."""
        records = self._new_records()
        self.delivered += records
        return [self.replay(records, logical_id, batch_size) for logical_id in logical_ids]

    @staticmethod
    def replay(
        records: list[dict[str, Any]], logical_id: str, batch_size: int = 25
    ) -> dict[str, Any]:
        """Deliver `records` (again) to one function; the batch failures it reported."""
        module, _, name = handler_path(logical_id).rpartition(".")
        handler = getattr(importlib.import_module(module), name)
        filters = _stream_filters(logical_id)
        accepted = [r for r in records if patterns.matches_any(filters, r)]
        failures: list[Any] = []
        for start in range(0, len(accepted), batch_size):
            event = {"Records": accepted[start : start + batch_size]}
            failures += handler(event, Context(logical_id))["batchItemFailures"]
        return {"batchItemFailures": failures, "records": len(accepted)}
