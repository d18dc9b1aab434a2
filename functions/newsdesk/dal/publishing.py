"""Publishing's storage: uploaded objects and reports in S3, source state and writes in DynamoDB.

Item layout (README.md, "Table design"):
- source state: PK `SOURCE#<key>`, SK `S#STATE` — for one uploaded key, the S3 sequencers of
  the newest event and of the newest event that set the live state (with its version), the
  slug it keeps live, its last report (re-sent on duplicates) and the slug it claims.
- slug claim: PK `CLAIM#<slug>`, SK `<key>` — a key refused only because another key owns the
  slug; when the owner lets go, the newest claimant is published (logic/publishing/pipeline).
- article items are built by `newsdesk.dal.articles.article_items`; the META item names its
  owner in `source_key`, which is also the slug claim: a conditional write refuses any other key.
Every live change is one TransactWriteItems whose first condition is "the source state is still
the revision I read", so concurrent deliveries of events for one key serialise, and ones for
different keys never overwrite each other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb, s3
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

SOURCE_PREFIX = "SOURCE#"
SOURCE_SK = "S#STATE"
REPORT_PREFIX = "reports/"
_REPORT_SUFFIX = ".json"
MAX_S3_KEY_BYTES = 1024
_MISSING_OBJECT = {"NoSuchKey", "NoSuchVersion", "404", "NotFound", "InvalidArgument"}
_CONFLICTS = {"ConditionalCheckFailed", "TransactionConflict"}

type Operation = TransactWriteItemTypeDef


class WriteConflict(Exception):
    """A conditional write lost against a concurrent one; re-read and decide again."""


@dataclass(frozen=True, slots=True)
class SourceObject:
    """One version of an uploaded object; `data` is None when it exceeds the read limit."""

    key: str
    version_id: str | None
    last_modified: datetime
    size: int
    data: bytes | None


@dataclass(frozen=True, slots=True)
class SourceState:
    """What was last decided for one uploaded key.

    `sequencer` is the newest event seen (its outcome is the report's); `live_sequencer` the
    newest event that set the live state (a rejected upload never does), with its version.
    `revision` grows with every write: the condition that serialises concurrent deliveries.
    """

    key: str
    sequencer: str
    live_sequencer: str | None
    version_id: str | None
    live_slug: str | None
    outcome: Item
    report: Item
    revision: int = 0
    claimed_slug: str | None = None

    def item(self) -> Item:
        """The state item as stored."""
        return {
            "PK": source_pk(self.key),
            "SK": SOURCE_SK,
            "source_key": self.key,
            "sequencer": self.sequencer,
            "live_sequencer": self.live_sequencer,
            "version_id": self.version_id,
            "live_slug": self.live_slug,
            "outcome": self.outcome,
            "report": self.report,
            "revision": self.revision,
            "claimed_slug": self.claimed_slug,
        }


def source_pk(key: str) -> str:
    """Partition of one uploaded key's state."""
    return f"{SOURCE_PREFIX}{key}"


def _table() -> str:
    return settings().table_name


def _bucket() -> str:
    return settings().content_bucket


def read_source(key: str, version_id: str | None, *, max_bytes: int) -> SourceObject | None:
    """That version (or the current one) of an upload; None if it no longer exists."""
    request: dict[str, Any] = {"Bucket": _bucket(), "Key": key}
    if version_id and version_id != "null":
        request["VersionId"] = version_id
    try:
        response = s3().get_object(**request)
    except ClientError as error:
        if _missing(error, key, request.get("VersionId")):
            return None
        raise
    size = response["ContentLength"]
    body = response["Body"]
    try:
        data = body.read() if size <= max_bytes else None
    finally:
        body.close()
    return SourceObject(
        key=key,
        version_id=response.get("VersionId"),
        last_modified=response["LastModified"],
        size=size,
        data=data,
    )


def source_exists(key: str) -> bool:
    """Whether the key currently has an object (not a delete marker)."""
    try:
        s3().head_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if _missing(error, key, None):
            return False
        raise
    return True


def read_start(key: str, size: int) -> bytes | None:
    """The first `size` bytes of the key's current object (b"" if empty); None if it has none."""
    try:
        response = s3().get_object(Bucket=_bucket(), Key=key, Range=f"bytes=0-{size - 1}")
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) == "InvalidRange":
            return b""  # S3's answer to a range of an empty object
        if _missing(error, key, None):
            return None
        raise
    body = response["Body"]
    try:
        return bytes(body.read(size))
    finally:
        body.close()


def _missing(error: ClientError, key: str, version_id: str | None) -> bool:
    """Whether a failed read means the object (or version) does not exist.

    The function may list the bucket only under the upload prefixes (an `s3:prefix`
    condition), which S3 does not apply to the implicit check behind a 404: a missing key
    answers 403 then, so a denial is confirmed by listing exactly that key.
    """
    code = str(error.response.get("Error", {}).get("Code"))
    if code in _MISSING_OBJECT:
        return True
    if code not in {"AccessDenied", "403"}:
        return False
    if version_id:
        listed = s3().list_object_versions(Bucket=_bucket(), Prefix=key, MaxKeys=1000)
        versions = listed.get("Versions", [])
        return not any(v["Key"] == key and v.get("VersionId") == version_id for v in versions)
    listed_now = s3().list_objects_v2(Bucket=_bucket(), Prefix=key, MaxKeys=1)
    return not any(o["Key"] == key for o in listed_now.get("Contents", []))


def report_key(key: str) -> str:
    """Where the report of an upload is written: `reports/<key>.json`.

    S3 keys hold at most 1,024 bytes, so for an upload key too long to be wrapped whole the
    name keeps the key's start and ends in `~` and a hash of the whole key (still unique).
    """
    whole = f"{REPORT_PREFIX}{key}{_REPORT_SUFFIX}"
    if len(whole.encode("utf-8")) <= MAX_S3_KEY_BYTES:
        return whole
    digest = "~" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    room = MAX_S3_KEY_BYTES - len(f"{REPORT_PREFIX}{digest}{_REPORT_SUFFIX}")
    start = key.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{REPORT_PREFIX}{start}{digest}{_REPORT_SUFFIX}"


# The order of a report's fields in its JSON; other fields follow alphabetically, then
# `processed_at`. A report re-sent from the table (whose maps keep no order) is then the same
# bytes as when it was first written, whatever order its events were delivered in.
_REPORT_ORDER = ("key", "status", "slug", "errors", "warnings", "missing", "message")
_ENTRY_ORDER = ("field", "message")


def _ordered(item: Item, order: tuple[str, ...], last: tuple[str, ...] = ()) -> Item:
    """`item` with `order`'s fields first, the others alphabetically, `last`'s at the end."""
    middle = sorted(name for name in item if name not in order and name not in last)
    names = [*(n for n in order if n in item), *middle, *(n for n in last if n in item)]
    return {name: item[name] for name in names}


def report_bytes(report: Item) -> bytes:
    """The report's JSON in one field order (errors and warnings too)."""
    ordered = _ordered(report, _REPORT_ORDER, ("processed_at",))
    for entries in ("errors", "warnings"):
        if isinstance(ordered.get(entries), list):
            ordered[entries] = [
                _ordered(entry, _ENTRY_ORDER) if isinstance(entry, dict) else entry
                for entry in ordered[entries]
            ]
    return json.dumps(ordered, ensure_ascii=False, indent=2).encode("utf-8")


def put_report(report: Item) -> None:
    """Write (or rewrite, identically) the report of one processed upload."""
    s3().put_object(
        Bucket=_bucket(),
        Key=report_key(report["key"]),
        Body=report_bytes(report),
        ContentType="application/json; charset=utf-8",
    )


def get_source_state(key: str) -> SourceState | None:
    """The last applied state of an uploaded key (strongly consistent), or None."""
    response = dynamodb().get_item(
        TableName=_table(),
        Key={"PK": {"S": source_pk(key)}, "SK": {"S": SOURCE_SK}},
        ConsistentRead=True,
    )
    raw = response.get("Item")
    if not raw:
        return None
    item = from_dynamo(raw)
    return SourceState(
        key=key,
        sequencer=item["sequencer"],
        live_sequencer=item.get("live_sequencer"),
        version_id=item.get("version_id"),
        live_slug=item.get("live_slug"),
        outcome=item["outcome"],
        # The codec drops None values inside maps; a report's `slug` is null, not absent.
        report={"slug": None, **item["report"]},
        revision=item["revision"],
        claimed_slug=item.get("claimed_slug"),
    )


def get_item(pk: str, sk: str) -> Item | None:
    """One item, strongly consistent (decisions must not act on a stale read)."""
    response = dynamodb().get_item(TableName=_table(), Key=_key(pk, sk), ConsistentRead=True)
    raw = response.get("Item")
    return from_dynamo(raw) if raw else None


def partition(pk: str) -> dict[str, Item]:
    """Every item of one partition by sort key (strongly consistent; partitions are small)."""
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    items: dict[str, Item] = {}
    while True:
        response = dynamodb().query(**request)
        for raw in response.get("Items", []):
            item = from_dynamo(raw)
            items[item["SK"]] = item
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def article_partition(slug: str) -> dict[str, Item]:
    """The items of one article partition (META, tag entries, e-book copy, related list)."""
    return partition(keys.article_pk(slug))


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def put(item: Item, condition: str | None = None, values: Item | None = None) -> Operation:
    """A transactional Put, optionally conditional."""
    operation: dict[str, Any] = {"TableName": _table(), "Item": to_dynamo(item)}
    if condition:
        operation["ConditionExpression"] = condition
    if values:
        operation["ExpressionAttributeValues"] = to_dynamo(values)
    return {"Put": operation}  # type: ignore[typeddict-item]


def delete(pk: str, sk: str, condition: str | None = None, values: Item | None = None) -> Operation:
    """A transactional Delete, optionally conditional."""
    operation: dict[str, Any] = {"TableName": _table(), "Key": _key(pk, sk)}
    if condition:
        operation["ConditionExpression"] = condition
    if values:
        operation["ExpressionAttributeValues"] = to_dynamo(values)
    return {"Delete": operation}  # type: ignore[typeddict-item]


def check(pk: str, sk: str, condition: str, values: Item | None = None) -> Operation:
    """A transactional ConditionCheck on an item that is not otherwise written."""
    operation: dict[str, Any] = {
        "TableName": _table(),
        "Key": _key(pk, sk),
        "ConditionExpression": condition,
    }
    if values:
        operation["ExpressionAttributeValues"] = to_dynamo(values)
    return {"ConditionCheck": operation}  # type: ignore[typeddict-item]


def put_source_state(state: SourceState, previous: SourceState | None) -> Operation:
    """Store `state` only if the stored state is still `previous` (optimistic concurrency)."""
    if previous is None:
        return put(state.item(), "attribute_not_exists(PK)")
    return put(state.item(), "revision = :previous", {":previous": previous.revision})


def transact(operations: list[Operation]) -> None:
    """Apply all operations or none; a lost condition or a conflict is WriteConflict."""
    try:
        dynamodb().transact_write_items(TransactItems=operations)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = {
            str(reason.get("Code")) for reason in error.response.get("CancellationReasons", [])
        } - {"None"}
        if reasons and reasons <= _CONFLICTS:
            raise WriteConflict(str(sorted(reasons))) from error
        raise
