"""Label counts: which live articles carry which category, tag and author, and how many.

Items:

| item | PK | SK |
| --- | --- | --- |
| membership | `ARTICLE#<slug>` | `N#<kind>#<label slug>` (`name`; authors: name parts) |
| counter | `LABELS#<kind>` | `<label slug>` (`name`, `articles`; authors: name parts) |

`<kind>` is `category`, `tag` or `author`. A counter moves only in the transaction that
creates or deletes the matching membership under a condition, so a redelivered or repeated
change finds the membership as wanted and moves nothing: counts stay exact. All counters of a
kind share one partition, so a menu is one Query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo

type Kind = Literal["category", "tag", "author"]
KINDS: tuple[Kind, ...] = ("category", "tag", "author")
MEMBERSHIP_PREFIX = "N#"
COUNTER_PREFIX = "LABELS#"


@dataclass(frozen=True, slots=True)
class LabelRef:
    """One label of one article: its kind, slug and display name (author: name parts)."""

    kind: Kind
    slug: str
    name: str
    first_name: str = ""
    last_name: str = ""

    def names(self) -> Item:
        """The display attributes stored on membership and counter alike."""
        names: Item = {"name": self.name}
        if self.kind == "author":
            names |= {"first_name": self.first_name, "last_name": self.last_name}
        return names


@dataclass(frozen=True, slots=True)
class Counter:
    """A label with the number of live articles that carry it."""

    kind: Kind
    slug: str
    name: str
    articles: int
    first_name: str = ""
    last_name: str = ""


def _table() -> str:
    return settings().table_name


def counter_pk(kind: Kind) -> str:
    """Partition holding every counter of one kind."""
    return f"{COUNTER_PREFIX}{kind}"


def membership_sk(kind: Kind, slug: str) -> str:
    """Sort key of an article's membership in one label."""
    return f"{MEMBERSHIP_PREFIX}{kind}#{slug}"


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def article_meta(article_slug: str) -> Item | None:
    """The article's META item as it is now (a consistent read), or None when it is gone."""
    response = dynamodb().get_item(
        TableName=_table(),
        Key=_key(keys.article_pk(article_slug), keys.ARTICLE_SK),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return from_dynamo(item) if item else None


def memberships(article_slug: str) -> dict[tuple[Kind, str], LabelRef]:
    """The labels an article is counted under now (one consistent Query)."""
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": keys.article_pk(article_slug)},
            ":prefix": {"S": MEMBERSHIP_PREFIX},
        },
        "ConsistentRead": True,
    }
    found: dict[tuple[Kind, str], LabelRef] = {}
    while True:
        response = dynamodb().query(**request)
        for item in map(from_dynamo, response.get("Items", [])):
            kind, _, slug = item["SK"].removeprefix(MEMBERSHIP_PREFIX).partition("#")
            if kind in KINDS:
                ref = LabelRef(
                    kind,
                    slug,
                    str(item.get("name", "")),
                    str(item.get("first_name", "")),
                    str(item.get("last_name", "")),
                )
                found[(ref.kind, slug)] = ref
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _names_update(ref: LabelRef) -> tuple[str, dict[str, str], dict[str, Any]]:
    names = ref.names()
    placeholders = {f"#n{i}": name for i, name in enumerate(names)}
    values = {f":n{i}": value for i, value in enumerate(names.values())}
    assignments = ", ".join(f"#n{i} = :n{i}" for i in range(len(names)))
    return assignments, placeholders, to_dynamo(values)


def _counter_update(ref: LabelRef, delta: int) -> dict[str, Any]:
    """An addition sets the display names; a removal only subtracts (never creates)."""
    update: dict[str, Any] = {
        "TableName": _table(),
        "Key": _key(counter_pk(ref.kind), ref.slug),
        "UpdateExpression": "ADD #a :d",
        "ExpressionAttributeNames": {"#a": "articles"},
        "ExpressionAttributeValues": {":d": {"N": str(delta)}},
    }
    if delta > 0:
        assignments, names, values = _names_update(ref)
        update["UpdateExpression"] = f"SET {assignments} ADD #a :d"
        update["ExpressionAttributeNames"] |= names
        update["ExpressionAttributeValues"] |= values
    return update


def _transact(operations: list[dict[str, Any]]) -> bool:
    """Apply all or none; False when a condition says the change was already made."""
    try:
        dynamodb().transact_write_items(TransactItems=operations)  # type: ignore[arg-type]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = {
            str(reason.get("Code")) for reason in error.response.get("CancellationReasons", [])
        }
        if "ConditionalCheckFailed" in reasons and "TransactionConflict" not in reasons:
            return False
        raise
    return True


def add(article_slug: str, ref: LabelRef) -> bool:
    """Count the article under `ref` unless it already is; True if the count moved."""
    membership = {
        "PK": keys.article_pk(article_slug),
        "SK": membership_sk(ref.kind, ref.slug),
        **ref.names(),
    }
    return _transact(
        [
            {
                "Put": {
                    "TableName": _table(),
                    "Item": to_dynamo(membership),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {"Update": _counter_update(ref, 1)},
        ]
    )


def remove(article_slug: str, ref: LabelRef) -> bool:
    """Stop counting the article under `ref` if it still is; True if the count moved.

    A counter that reaches zero is deleted, so menus only ever list labels in use.
    """
    moved = _transact(
        [
            {
                "Delete": {
                    "TableName": _table(),
                    "Key": _key(keys.article_pk(article_slug), membership_sk(ref.kind, ref.slug)),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            },
            {"Update": _counter_update(ref, -1)},
        ]
    )
    if moved:
        try:
            dynamodb().delete_item(
                TableName=_table(),
                Key=_key(counter_pk(ref.kind), ref.slug),
                ConditionExpression="articles <= :zero",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
    return moved


def rename(article_slug: str, ref: LabelRef) -> None:
    """Show a label as the article now spells it ("bolig" → "Bolig"); counts unchanged."""
    assignments, names, values = _names_update(ref)
    for pk, sk in (
        (keys.article_pk(article_slug), membership_sk(ref.kind, ref.slug)),
        (counter_pk(ref.kind), ref.slug),
    ):
        try:
            dynamodb().update_item(
                TableName=_table(),
                Key=_key(pk, sk),
                UpdateExpression=f"SET {assignments}",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise


def _counter(kind: Kind, item: Item) -> Counter:
    return Counter(
        kind=kind,
        slug=item["SK"],
        name=str(item.get("name", "")),
        articles=int(item.get("articles", 0)),
        first_name=str(item.get("first_name", "")),
        last_name=str(item.get("last_name", "")),
    )


def counters(kind: Kind) -> list[Counter]:
    """Every counter of one kind: one Query (more only past 1 MB, some 10,000 labels)."""
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": counter_pk(kind)}},
    }
    found: list[Counter] = []
    while True:
        response = dynamodb().query(**request)
        found.extend(_counter(kind, item) for item in map(from_dynamo, response.get("Items", [])))
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def counter(kind: Kind, slug: str) -> Counter | None:
    """One label's counter (one GetItem), or None when no live article carries it."""
    response = dynamodb().get_item(TableName=_table(), Key=_key(counter_pk(kind), slug))
    item = response.get("Item")
    return _counter(kind, from_dynamo(item)) if item else None


def counted_article_slugs() -> set[str]:
    """Every article with a META or a membership item: what an operator's recount visits.

    A Scan, for `make recount-labels` only (no function's policy allows one): a membership
    whose article is gone is found only here.
    """
    request: dict[str, Any] = {
        "TableName": _table(),
        "ProjectionExpression": "PK",
        "FilterExpression": "begins_with(PK, :article) AND (SK = :meta OR begins_with(SK, :n))",
        "ExpressionAttributeValues": {
            ":article": {"S": keys.ARTICLE_PREFIX},
            ":meta": {"S": keys.ARTICLE_SK},
            ":n": {"S": MEMBERSHIP_PREFIX},
        },
    }
    found: set[str] = set()
    while True:
        response = dynamodb().scan(**request)
        found.update(i["PK"]["S"].removeprefix(keys.ARTICLE_PREFIX) for i in response["Items"])
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
