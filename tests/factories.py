"""Builders of realistic articles for tests, stored through the data layer's own item builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from newsdesk.config import settings
from newsdesk.dal import articles as store
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import to_dynamo
from newsdesk.models import Article, Author

BASE_TIME = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def make_article(slug: str, *, hours_ago: int = 0, **fields: Any) -> Article:
    """An article with Danish defaults; any field can be overridden."""
    published = BASE_TIME - timedelta(hours=hours_ago)
    values: dict[str, Any] = {
        "slug": slug,
        "title": f"Artikel {slug}",
        "subtitle": "Undertitel om livet i Ballerup",
        "summary": "Et kort resumé på dansk med æ, ø og å.",
        "category": "Bolig",
        "tags": ["Fællesskab", "Ballerup"],
        "author": Author.from_name("Asta Petersen"),
        "reading_minutes": 4,
        "published_at": published,
        "body_html": "<p>Brødtekst</p>",
        "updated_at": published,
    }
    values.update(fields)
    return Article.model_validate(values)


def store_article(article: Article, source_key: str | None = None) -> None:
    """Write the article's items as the publisher does (no conditions: test setup only)."""
    for item in store.article_items(
        article, source_key=source_key or f"articles/{article.slug}.md"
    ):
        dynamodb().put_item(TableName=settings().table_name, Item=to_dynamo(item))
