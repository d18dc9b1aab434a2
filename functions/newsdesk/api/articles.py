"""The article reads both API paths serve: one article page, one newest-first teaser page.

Framework-free on purpose: the fast path (`newsdesk.api.fastpath`) answers most cold reads
without importing FastAPI, and the FastAPI routes (`newsdesk.api.routes.articles`) are the
one definition of the API and its OpenAPI document; both call these functions, so they cannot
drift apart.
"""

from __future__ import annotations

import re

from newsdesk.api.problems import ProblemError
from newsdesk.dal import articles as store
from newsdesk.models import Article, TeaserPage

SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")
# Query limits of the list route (the FastAPI route declares them from here).
LABEL_MAX_LENGTH = 100
LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 50, 12
CURSOR_MAX_LENGTH = 2048


def article_not_found(slug: str) -> ProblemError:
    """Unknown, draft and unpublished slugs all answer this one 404."""
    return ProblemError(
        404, "article-not-found", "Article not found", f"No published article '{slug}'."
    )


def read_article(slug: str) -> Article:
    """The published article page (one Query), or the 404 problem."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise article_not_found(slug)
    article = store.get_article(slug)
    if article is None:
        raise article_not_found(slug)
    return article


def _given(value: str | None) -> str | None:
    """A filter as meant: blank means none."""
    return value.strip() or None if value else None


def read_teasers(
    *,
    category: str | None,
    tag: str | None,
    limit: int,
    cursor: str | None,
    author: str | None = None,
) -> TeaserPage:
    """One newest-first page; blank filters mean none, a foreign cursor is the 400 problem.

    Category, tag and author are each matched by name or slug ("Grønne områder" or
    "groenne-omraader"); an author's list is not combined with a category or tag.
    """
    category, tag, author = _given(category), _given(tag), _given(author)
    if author is not None and (category is not None or tag is not None):
        raise ProblemError(
            400,
            "unsupported-filter",
            "Unsupported filter",
            "author cannot be combined with category or tag.",
        )
    try:
        return store.list_teasers(
            category=category, tag=tag, author=author, limit=limit, cursor=cursor or None
        )
    except store.InvalidCursorError as error:
        raise ProblemError(400, "invalid-cursor", "Invalid cursor", str(error)) from error
