"""E-book registry items: the published e-books the API lists and articles point at.

Item: PK `EBOOK#<id>`, SK `E#META`, GSI1 `EBOOKS` / `<id>`; attributes are the Ebook fields
plus `pdf_key` (the S3 key of the PDF) and `source_key`.
"""

from __future__ import annotations

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import Item, from_dynamo
from newsdesk.models import Ebook

EBOOK_SK = "E#META"
ALL_EBOOKS = "EBOOKS"
EBOOK_FIELDS = tuple(Ebook.model_fields)


def ebook_pk(ebook_id: str) -> str:
    """Partition of one e-book (its META item and its article references)."""
    return f"EBOOK#{ebook_id}"


def ebook_item(ebook: Ebook, *, source_key: str, pdf_key: str) -> Item:
    """The registry item that publishes `ebook`."""
    return {
        "PK": ebook_pk(ebook.id),
        "SK": EBOOK_SK,
        "GSI1PK": ALL_EBOOKS,
        "GSI1SK": ebook.id,
        **ebook.model_dump(mode="json"),
        "pdf_key": pdf_key,
        "source_key": source_key,
    }


def _ebook(item: Item) -> Ebook:
    return Ebook.model_validate({f: item[f] for f in EBOOK_FIELDS if f in item})


def get_ebook_item(ebook_id: str) -> Item | None:
    """The raw registry item (with `pdf_key`), or None when not published."""
    response = dynamodb().get_item(
        TableName=settings().table_name,
        Key={"PK": {"S": ebook_pk(ebook_id)}, "SK": {"S": EBOOK_SK}},
    )
    raw = response.get("Item")
    return from_dynamo(raw) if raw else None


def get_ebook(ebook_id: str) -> Ebook | None:
    """The published e-book, or None."""
    item = get_ebook_item(ebook_id)
    return _ebook(item) if item else None


def list_ebooks() -> list[Ebook]:
    """All published e-books, ordered by id (the registry is small: a few pages at most)."""
    request: dict[str, object] = {
        "TableName": settings().table_name,
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": ALL_EBOOKS}},
    }
    ebooks: list[Ebook] = []
    while True:
        response = dynamodb().query(**request)  # type: ignore[arg-type]
        ebooks.extend(_ebook(from_dynamo(item)) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return ebooks
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# Write side (publishing). An article's `ebook: <id>` is kept as a reference item
# (PK `EBOOK#<id>`, SK `REF#<slug>`) and, while the e-book is published, as a copy beside the
# article (PK `ARTICLE#<slug>`, SK `A#EBOOK`, attribute `ebook`) that the page Query reads.
REF_SK_PREFIX = "REF#"


def ref_sk(slug: str) -> str:
    """Sort key of an article's reference in an e-book's partition."""
    return f"{REF_SK_PREFIX}{slug}"


def ebook_ref_item(ebook_id: str, slug: str, *, source_key: str) -> Item:
    """The reference that lets an e-book's changes reach the article that promotes it."""
    return {"PK": ebook_pk(ebook_id), "SK": ref_sk(slug), "slug": slug, "source_key": source_key}


def ebook_fields(item: Item) -> Item:
    """The public Ebook fields of a registry item (what an article's copy holds)."""
    return _ebook(item).model_dump(mode="json")


def ebook_copy_item(slug: str, ebook: Item) -> Item:
    """The copy of a published e-book beside an article; `ebook` is a registry item."""
    return {
        "PK": keys.article_pk(slug),
        "SK": keys.ARTICLE_EBOOK_SK,
        "ebook_id": ebook["id"],
        "ebook": ebook_fields(ebook),
    }
