"""Article store: the only code that reads and writes article items in DynamoDB."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo
from newsdesk.models import Article, Ebook, Teaser, TeaserPage

TEASER_FIELDS = tuple(Teaser.model_fields)
# Bounded work for a filtered list page (category and tag together): never a scan.
_MAX_FILTERED_QUERIES = 5


class InvalidCursorError(ValueError):
    """A list cursor that this store did not issue for this list."""


def teaser_from_item(item: Item) -> Teaser:
    """Build a Teaser from any item that carries the teaser attributes."""
    return Teaser.model_validate({f: item.get(f) for f in TEASER_FIELDS if f in item})


def teaser_attributes(teaser: Teaser) -> Item:
    """The plain attributes of a teaser as stored on list and related items."""
    return teaser.model_dump(mode="json", include=set(TEASER_FIELDS))


def get_article(slug: str) -> Article | None:
    """The published article page in one Query: META, related list and e-book copy."""
    response = dynamodb().query(
        TableName=settings().table_name,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :page)",
        ExpressionAttributeValues={
            ":pk": {"S": keys.article_pk(slug)},
            ":page": {"S": keys.PAGE_SK_PREFIX},
        },
    )
    by_sk = {item["SK"]: item for item in map(from_dynamo, response.get("Items", []))}
    meta = by_sk.get(keys.ARTICLE_SK)
    if meta is None:
        return None
    related = by_sk.get(keys.RELATED_SK, {}).get("teasers", [])
    ebook = by_sk.get(keys.ARTICLE_EBOOK_SK, {}).get("ebook")
    return article_from_meta(meta, related, Ebook.model_validate(ebook) if ebook else None)


def article_from_meta(meta: Item, related: list[Any], ebook: Ebook | None) -> Article:
    """The page of a META item with its related teasers and e-book (pages and previews)."""
    fields = {f: meta[f] for f in (*TEASER_FIELDS, "body_html", "updated_at") if f in meta}
    return Article.model_validate(fields | {"related": related[:4], "ebook": ebook})


def _cursor_mac(list_id: str, payload: bytes) -> str:
    """A short keyed digest binding a cursor to its list, so tampering is detected."""
    key = f"newsdesk-cursor:{settings().table_name}:{list_id}".encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()[:16]


def encode_cursor(list_id: str, last_key: dict[str, Any]) -> str:
    """Opaque, URL-safe cursor for the page after `last_key`."""
    payload = json.dumps(from_dynamo(last_key), sort_keys=True, separators=(",", ":")).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{token}.{_cursor_mac(list_id, payload)}"


def decode_cursor(list_id: str, cursor: str) -> dict[str, Any]:
    """Validate and unpack a cursor; anything not issued for this list is InvalidCursorError."""
    token, _, mac = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError) as error:
        raise InvalidCursorError("cursor is not valid base64") from error
    # compare_digest refuses non-ASCII text with TypeError: such a MAC is simply not ours.
    if not mac.isascii() or not hmac.compare_digest(mac, _cursor_mac(list_id, payload)):
        raise InvalidCursorError("cursor was not issued for this list")
    key = json.loads(payload)
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise InvalidCursorError("cursor has an unexpected shape")
    return to_dynamo(key)


def list_teasers(
    *,
    category: str | None = None,
    tag: str | None = None,
    author: str | None = None,
    limit: int = 12,
    cursor: str | None = None,
) -> TeaserPage:
    """Newest-first published teasers, by any of category, tag and author; one page.

    Labels are matched by their slug, so the name and the slug of a label give one list.
    """
    # The most selective list is queried; the other filters are conditions on its items.
    filters: dict[str, str] = {}
    if tag is not None:
        index, pk_name, sk_name, pk = keys.LIST_INDEX, "GSI1PK", "GSI1SK", keys.tag_list_pk(tag)
        if author is not None:
            filters["author_key"] = keys.author_list_pk(author)
    elif author is not None:
        index, pk_name, sk_name = keys.AUTHOR_INDEX, "GSI3PK", "GSI3SK"
        pk = keys.author_list_pk(author)
    elif category is not None:
        index, pk_name, sk_name = keys.CATEGORY_INDEX, "GSI2PK", "GSI2SK"
        pk = keys.category_list_pk(category)
    else:
        index, pk_name, sk_name, pk = keys.LIST_INDEX, "GSI1PK", "GSI1SK", keys.ALL_ARTICLES
    if category is not None and (tag is not None or author is not None):
        filters["category_key"] = keys.category_list_pk(category)
    list_id = "|".join([pk, *(f"{name}={value}" for name, value in sorted(filters.items()))])
    request: dict[str, Any] = {
        "TableName": settings().table_name,
        "IndexName": index,
        "KeyConditionExpression": f"{pk_name} = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(f"{name} = :{name}" for name in sorted(filters))
        request["ExpressionAttributeValues"].update(
            {f":{name}": {"S": value} for name, value in filters.items()}
        )
    if cursor:
        start = decode_cursor(list_id, cursor)
        if set(start) != {"PK", "SK", pk_name, sk_name} or start[pk_name] != {"S": pk}:
            raise InvalidCursorError("cursor does not belong to this list")
        request["ExclusiveStartKey"] = start
    items: list[Item] = []
    last_key: dict[str, Any] | None = None
    for _ in range(_MAX_FILTERED_QUERIES if filters else 1):
        response = dynamodb().query(**request)
        items.extend(map(from_dynamo, response.get("Items", [])))
        last_key = response.get("LastEvaluatedKey")
        if last_key is None or len(items) >= limit:
            break
        request["ExclusiveStartKey"] = last_key
        request["Limit"] = limit - len(items)
    return TeaserPage(
        items=[teaser_from_item(item) for item in items[:limit]],
        next_cursor=encode_cursor(list_id, last_key) if last_key else None,
    )


def article_items(article: Article, *, source_key: str, extra: Item | None = None) -> list[Item]:
    """The META item and one list entry per tag that together publish `article`.

    The related list and e-book copy are not written here: their own maintainers own them.
    """
    sort_key = keys.list_sk(article.published_at, article.slug)
    teaser = teaser_attributes(article.teaser())
    category_key = keys.category_list_pk(article.category)
    meta: Item = {
        "PK": keys.article_pk(article.slug),
        "SK": keys.ARTICLE_SK,
        "GSI1PK": keys.ALL_ARTICLES,
        "GSI1SK": sort_key,
        "GSI2PK": category_key,
        "GSI2SK": sort_key,
        "GSI3PK": keys.author_list_pk(article.author.name),
        "GSI3SK": sort_key,
        **teaser,
        "body_html": article.body_html,
        "updated_at": article.updated_at.isoformat(),
        "category_key": category_key,
        "source_key": source_key,
        **(extra or {}),
    }
    tag_entries = {
        keys.tag_sk(tag): {
            "PK": keys.article_pk(article.slug),
            "SK": keys.tag_sk(tag),
            "GSI1PK": keys.tag_list_pk(tag),
            "GSI1SK": sort_key,
            **teaser,
            "category_key": category_key,
            "author_key": keys.author_list_pk(article.author.name),
        }
        for tag in article.tags
    }
    return [meta, *tag_entries.values()]
