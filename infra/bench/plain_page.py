"""The article page as a user of boto3 and pydantic would read it: one Query, one model.

Shared by the two reference functions of the cold-path benchmark (`baseline`: Powertools'
resolver; `fastapi_floor`: FastAPI + Mangum with nothing of ours), so they differ only in
the framework.
"""

from __future__ import annotations

import os
from datetime import datetime

import boto3
from boto3.dynamodb.types import TypeDeserializer
from pydantic import BaseModel, Field

dynamodb = boto3.client("dynamodb")
deserializer = TypeDeserializer()


class Author(BaseModel):
    """Author of an article."""

    name: str
    first_name: str
    last_name: str


class Teaser(BaseModel):
    """A related article."""

    slug: str
    title: str
    subtitle: str | None = None
    summary: str | None = None
    category: str
    tags: list[str] = Field(default_factory=list)
    author: Author
    reading_minutes: int
    published_at: datetime


class Ebook(BaseModel):
    """The e-book shown beside the article."""

    id: str
    title: str
    description: str
    cta_label: str = "Tag e-bogen"


class Article(Teaser):
    """The article page."""

    body_html: str
    updated_at: datetime
    related: list[Teaser] = Field(default_factory=list)
    ebook: Ebook | None = None


def article_json(slug: str) -> str | None:
    """The page's items in one Query, validated into one model, as JSON; None if missing."""
    response = dynamodb.query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :page)",
        ExpressionAttributeValues={":pk": {"S": f"ARTICLE#{slug}"}, ":page": {"S": "A#"}},
    )
    items = {
        item["SK"]["S"]: {k: deserializer.deserialize(v) for k, v in item.items()}
        for item in response["Items"]
    }
    meta = items.get("A#META")
    if meta is None:
        return None
    article = Article.model_validate(
        {
            **meta,
            "related": items.get("A#RELATED", {}).get("teasers", [])[:4],
            "ebook": items.get("A#EBOOK", {}).get("ebook"),
        }
    )
    return article.model_dump_json()
