"""E-book requests, consent records, download links and rate-limit counters.

Items (README, "Table design"):

| item | PK | SK | holds |
| --- | --- | --- | --- |
| request | `READER#<address>` | `REQUEST#<requested_at>#<id>` | consent record of one request |
| consent | `READER#<address>` | `CONSENT#NEWSLETTER#<id>` | a confirmed newsletter opt-in |
| address counter | `READER#<address>` | `LIMIT#REQUESTS` | requests in the current window |
| recent request | `READER#<address>` | `RECENT#<e-book>#<wish>` | an identical request just came |
| client counter | `CLIENT#<ip>` | `LIMIT#REQUESTS` | requests in the current window |
| download link | `LINK#<id>` | `L#META` | e-book, uses left, the request's key |
| consent pointer | `LINK#<id>` | `L#CONSENT` | where a confirmed consent lives (for withdrawal) |

`<address>` is the mailbox key (`logic/ebooks/mailbox.py`). Everything about an address lives
in its `READER#` partition or in a link item that the partition's request or consent items
name, so erasure is one Query plus deletes, never a scan. Every item carries `expires_at`
(the table's TTL attribute) except confirmed consent and its pointer, which are kept until
the reader withdraws the consent or is erased.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from botocore.exceptions import ClientError

from newsdesk.config import settings
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo

READER_PREFIX = "READER#"
CLIENT_PREFIX = "CLIENT#"
LINK_PREFIX = "LINK#"
REQUEST_SK_PREFIX = "REQUEST#"
CONSENT_SK_PREFIX = "CONSENT#NEWSLETTER#"
LIMIT_SK = "LIMIT#REQUESTS"
RECENT_SK_PREFIX = "RECENT#"
LINK_SK = "L#META"
CONSENT_POINTER_SK = "L#CONSENT"
# A lost race for a fresh counter window is retried this many times before giving up.
_COUNTER_ATTEMPTS = 3
_BATCH = 25
_BATCH_ATTEMPTS = 8

type CounterScope = Literal["address", "client"]


class ErasureIncompleteError(RuntimeError):
    """DynamoDB kept throttling the deletes; erasure is idempotent, so run it again."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """What was asked, by whom, under which consent text, when and from where."""

    request_id: str
    email: str
    email_key: str
    ebook_id: str
    newsletter: bool
    consent_text_version: str
    requested_at: datetime
    source: str
    client_ip: str
    user_agent: str | None
    expires_at: int


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A download link's state: which e-book, how many uses, and whose request it is."""

    request_id: str
    ebook_id: str
    uses: int
    max_uses: int
    expires_at: int
    reader_pk: str
    request_sk: str


def reader_pk(email_key: str) -> str:
    """Partition of everything stored about one address."""
    return f"{READER_PREFIX}{email_key}"


def request_sk(requested_at: datetime, request_id: str) -> str:
    """Sort key of a request record: chronological within the reader's partition."""
    return f"{REQUEST_SK_PREFIX}{requested_at.isoformat()}#{request_id}"


def link_pk(request_id: str) -> str:
    """Partition of one download link."""
    return f"{LINK_PREFIX}{request_id}"


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _old_item(error: ClientError) -> Item | None:
    """The item a failed condition saw (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""
    raw = cast(dict[str, Any], error.response).get("Item")
    return from_dynamo(raw) if isinstance(raw, dict) and raw else None


@dataclass(frozen=True, slots=True)
class Count:
    """A counted request: how many the window holds with it, and the wait if refused."""

    hits: int
    retry_after: int | None


def count_request(scope: CounterScope, subject: str, *, now: int, window: int, limit: int) -> Count:
    """Count one request against `subject`'s window (`retry_after` None: admitted).

    A window opens at the first request and lasts `window` seconds; its item expires (TTL)
    when the window closes. Both steps are conditional writes, so concurrent requests can
    never push the count past `limit`.
    """
    pk = reader_pk(subject) if scope == "address" else f"{CLIENT_PREFIX}{subject}"
    key = {"PK": {"S": pk}, "SK": {"S": LIMIT_SK}}
    table = settings().table_name
    for _ in range(_COUNTER_ATTEMPTS):
        try:
            response = dynamodb().update_item(
                TableName=table,
                Key=key,
                UpdateExpression="ADD hits :one",
                ConditionExpression="attribute_exists(PK) AND expires_at > :now AND hits < :limit",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":now": {"N": str(now)},
                    ":limit": {"N": str(limit)},
                },
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            old = _old_item(error)
            if old and int(old["expires_at"]) > now:
                return Count(
                    hits=int(old["hits"]), retry_after=max(1, int(old["expires_at"]) - now)
                )
        else:
            return Count(hits=int(response["Attributes"]["hits"]["N"]), retry_after=None)
        try:
            dynamodb().put_item(
                TableName=table,
                Item=to_dynamo(
                    {"PK": pk, "SK": LIMIT_SK, "hits": 1, "window_start": now}
                    | {"expires_at": now + window}
                ),
                ConditionExpression="attribute_not_exists(PK) OR expires_at <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            continue  # another request opened the window first: count against that one
        return Count(hits=1, retry_after=None)
    return Count(hits=limit, retry_after=window)


def claim_recent(email_key: str, fingerprint: str, *, now: int, window: int) -> bool:
    """Mark `fingerprint` (a request's e-book and wishes) as just handled for this mailbox.

    False when the same mark is still fresh: an identical request within `window` seconds
    (a double click, a retry) is answered without a second mail. The mark lives in the
    reader's partition, so erasure removes it, and expires (TTL) with its window.
    """
    try:
        dynamodb().put_item(
            TableName=settings().table_name,
            Item=to_dynamo(
                {"PK": reader_pk(email_key), "SK": f"{RECENT_SK_PREFIX}{fingerprint}"}
                | {"expires_at": now + window}
            ),
            ConditionExpression="attribute_not_exists(PK) OR expires_at <= :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except ClientError as error:
        if not _is_condition_failure(error):
            raise
        return False
    return True


def release_recent(email_key: str, fingerprint: str) -> None:
    """Forget the mark of a request whose mail could not be sent, so a retry is not swallowed."""
    dynamodb().delete_item(
        TableName=settings().table_name,
        Key={
            "PK": {"S": reader_pk(email_key)},
            "SK": {"S": f"{RECENT_SK_PREFIX}{fingerprint}"},
        },
    )


def save_request(record: RequestRecord, *, max_uses: int, link_expires_at: int) -> None:
    """Store the request record and its download link together (both or neither)."""
    pk, sk = reader_pk(record.email_key), request_sk(record.requested_at, record.request_id)
    request_item: Item = {
        "PK": pk,
        "SK": sk,
        "request_id": record.request_id,
        "email": record.email,
        "ebook_id": record.ebook_id,
        "newsletter": record.newsletter,
        "newsletter_status": "pending" if record.newsletter else "not_requested",
        "consent_text_version": record.consent_text_version,
        "requested_at": record.requested_at.isoformat(),
        "source": record.source,
        "client_ip": record.client_ip,
        "user_agent": record.user_agent,
        "expires_at": record.expires_at,
    }
    link_item: Item = {
        "PK": link_pk(record.request_id),
        "SK": LINK_SK,
        "request_id": record.request_id,
        "ebook_id": record.ebook_id,
        "uses": 0,
        "max_uses": max_uses,
        "reader_pk": pk,
        "request_sk": sk,
        "expires_at": link_expires_at,
    }
    table = settings().table_name
    dynamodb().transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table,
                    "Item": to_dynamo(item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
            for item in (request_item, link_item)
        ]
    )


def _link(item: Item) -> LinkRecord:
    return LinkRecord(
        request_id=item["request_id"],
        ebook_id=item["ebook_id"],
        uses=int(item["uses"]),
        max_uses=int(item["max_uses"]),
        expires_at=int(item["expires_at"]),
        reader_pk=item["reader_pk"],
        request_sk=item["request_sk"],
    )


def get_link(request_id: str) -> LinkRecord | None:
    """The link of a request, or None when it expired away or its reader was erased."""
    response = dynamodb().get_item(
        TableName=settings().table_name,
        Key={"PK": {"S": link_pk(request_id)}, "SK": {"S": LINK_SK}},
        ConsistentRead=True,
    )
    raw = response.get("Item")
    return _link(from_dynamo(raw)) if raw else None


def use_link(request_id: str) -> tuple[Literal["ok", "missing", "exhausted"], LinkRecord | None]:
    """Spend one use of a link atomically: ("ok", link after the use) or why not."""
    try:
        response = dynamodb().update_item(
            TableName=settings().table_name,
            Key={"PK": {"S": link_pk(request_id)}, "SK": {"S": LINK_SK}},
            UpdateExpression="ADD uses :one",
            ConditionExpression="attribute_exists(PK) AND uses < max_uses",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not _is_condition_failure(error):
            raise
        old = _old_item(error)
        return ("exhausted", _link(old)) if old else ("missing", None)
    return "ok", _link(from_dynamo(response["Attributes"]))


type NewsletterStatus = Literal["not_requested", "pending", "confirmed", "withdrawn"]


def newsletter_status(link: LinkRecord) -> NewsletterStatus | None:
    """The newsletter state of the link's request, or None when the request is gone."""
    response = dynamodb().get_item(
        TableName=settings().table_name,
        Key={"PK": {"S": link.reader_pk}, "SK": {"S": link.request_sk}},
        ProjectionExpression="newsletter_status",
        ConsistentRead=True,
    )
    raw = response.get("Item")
    if not raw:
        return None
    return cast(NewsletterStatus, from_dynamo(raw).get("newsletter_status", "not_requested"))


def confirm_newsletter(
    link: LinkRecord, *, confirmed_at: datetime
) -> Literal["confirmed", "missing", "withdrawn"]:
    """Activate the newsletter wish of the link's request (or say why not).

    Idempotent: the first confirmation time is kept and the consent item and its pointer are
    rewritten with the same content on every later confirmation. A withdrawn wish stays
    withdrawn: only a new request can ask again.
    """
    table = settings().table_name
    try:
        response = dynamodb().update_item(
            TableName=table,
            Key={"PK": {"S": link.reader_pk}, "SK": {"S": link.request_sk}},
            UpdateExpression=(
                "SET newsletter_status = :confirmed, "
                "newsletter_confirmed_at = if_not_exists(newsletter_confirmed_at, :now)"
            ),
            ConditionExpression=(
                "attribute_exists(PK) AND newsletter = :true AND newsletter_status <> :withdrawn"
            ),
            ExpressionAttributeValues={
                ":confirmed": {"S": "confirmed"},
                ":withdrawn": {"S": "withdrawn"},
                ":now": {"S": confirmed_at.isoformat()},
                ":true": {"BOOL": True},
            },
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if not _is_condition_failure(error):
            raise
        old = _old_item(error)
        withdrawn = old is not None and old.get("newsletter_status") == "withdrawn"
        return "withdrawn" if withdrawn else "missing"
    request = from_dynamo(response["Attributes"])
    consent_sk = f"{CONSENT_SK_PREFIX}{request['request_id']}"
    consent: Item = {
        "PK": link.reader_pk,
        "SK": consent_sk,
        "purpose": "newsletter",
        "status": "confirmed",
        "email": request["email"],
        "request_id": request["request_id"],
        "ebook_id": request["ebook_id"],
        "consent_text_version": request["consent_text_version"],
        "requested_at": request["requested_at"],
        "confirmed_at": request["newsletter_confirmed_at"],
        "source": request["source"],
    }
    pointer: Item = {
        "PK": link_pk(link.request_id),
        "SK": CONSENT_POINTER_SK,
        "reader_pk": link.reader_pk,
        "consent_sk": consent_sk,
    }
    dynamodb().put_item(TableName=table, Item=to_dynamo(consent))
    dynamodb().put_item(TableName=table, Item=to_dynamo(pointer))
    return "confirmed"


def has_consent(request_id: str) -> bool:
    """True while the newsletter consent given through this request is confirmed."""
    response = dynamodb().get_item(
        TableName=settings().table_name,
        Key={"PK": {"S": link_pk(request_id)}, "SK": {"S": CONSENT_POINTER_SK}},
        ConsistentRead=True,
    )
    return bool(response.get("Item"))


def withdraw_newsletter(request_id: str, *, withdrawn_at: datetime) -> bool:
    """Delete the consent given through this request and stop a pending one; True if any.

    Idempotent: a second withdrawal finds nothing and changes nothing. The request record
    (kept 30 days as evidence) notes the withdrawal; the consent item itself is deleted.
    """
    table = settings().table_name
    pointer_key = {"PK": {"S": link_pk(request_id)}, "SK": {"S": CONSENT_POINTER_SK}}
    deleted = dynamodb().delete_item(TableName=table, Key=pointer_key, ReturnValues="ALL_OLD")
    changed = False
    if old := deleted.get("Attributes"):
        pointer = from_dynamo(old)
        dynamodb().delete_item(
            TableName=table,
            Key={"PK": {"S": pointer["reader_pk"]}, "SK": {"S": pointer["consent_sk"]}},
        )
        changed = True
    link = get_link(request_id)
    if link is None:
        return changed
    try:
        dynamodb().update_item(
            TableName=table,
            Key={"PK": {"S": link.reader_pk}, "SK": {"S": link.request_sk}},
            UpdateExpression="SET newsletter_status = :withdrawn, newsletter_withdrawn_at = :now",
            ConditionExpression=(
                "attribute_exists(PK) AND newsletter = :true AND newsletter_status <> :withdrawn"
            ),
            ExpressionAttributeValues={
                ":withdrawn": {"S": "withdrawn"},
                ":now": {"S": withdrawn_at.isoformat()},
                ":true": {"BOOL": True},
            },
        )
    except ClientError as error:
        if not _is_condition_failure(error):
            raise
        return changed
    return True


def reader_items(email_key: str) -> list[Item]:
    """Every item in the address's partition (consistent read, all pages)."""
    request: dict[str, Any] = {
        "TableName": settings().table_name,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": reader_pk(email_key)}},
        "ConsistentRead": True,
    }
    items: list[Item] = []
    while True:
        response = dynamodb().query(**request)
        items.extend(map(from_dynamo, response.get("Items", [])))
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def erase_reader(email_key: str) -> int:
    """Delete every item of the address, its requests' links and consents' pointers; the count.

    Links already gone by TTL are counted too: a delete of a missing key is a no-op.
    """
    items = reader_items(email_key)
    keys = [(item["PK"], item["SK"]) for item in items]
    keys += [
        (link_pk(item["request_id"]), LINK_SK)
        for item in items
        if item["SK"].startswith(REQUEST_SK_PREFIX)
    ]
    keys += [
        (link_pk(item["request_id"]), CONSENT_POINTER_SK)
        for item in items
        if item["SK"].startswith(CONSENT_SK_PREFIX)
    ]
    table = settings().table_name
    for start in range(0, len(keys), _BATCH):
        pending: list[Any] = [
            {"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"S": sk}}}}
            for pk, sk in keys[start : start + _BATCH]
        ]
        for attempt in range(_BATCH_ATTEMPTS):
            if attempt:  # throttled: back off before retrying what was left
                time.sleep(min(2.0, 0.05 * 2**attempt))
            response = dynamodb().batch_write_item(RequestItems={table: pending})
            pending = list(response.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                break
        else:
            raise ErasureIncompleteError(f"{len(pending)} item(s) left after retries; run again")
    return len(keys)
