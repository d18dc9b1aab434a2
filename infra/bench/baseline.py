"""The baseline: what a user would otherwise write with Powertools' resolver, boto3 and pydantic.

It serves the same article from the same table with the same one Query, validates it with
pydantic models of the same shape and answers the same JSON bytes. No caching headers, no
problem documents, no CORS: it does strictly less than the real API function.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from boto3.dynamodb.types import TypeDeserializer
from pydantic import BaseModel, Field

app = APIGatewayHttpResolver()
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


@app.get("/articles/<slug>")
def get_article(slug: str) -> Response[str]:
    """One Query for the page's items, one model, one JSON document."""
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
        raise NotFoundError(f"No article {slug}")
    article = Article.model_validate(
        {
            **meta,
            "related": items.get("A#RELATED", {}).get("teasers", [])[:4],
            "ebook": items.get("A#EBOOK", {}).get("ebook"),
        }
    )
    return Response(200, "application/json", article.model_dump_json())


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point."""
    return app.resolve(event, context)
