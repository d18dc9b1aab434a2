"""The article reads both API paths serve: one article page, one newest-first teaser page.

Framework-free on purpose: the fast path (`newsdesk.api.fastpath`) answers most cold reads
without importing FastAPI, and the FastAPI routes (`newsdesk.api.routes.articles`) are the
one definition of the API and its OpenAPI document; both call these functions, so they cannot
drift apart.
"""

from __future__ import annotations

import re
from datetime import timedelta

from newsdesk.api.caching import MISSING_PAGE_CACHE, public_cache_until
from newsdesk.api.problems import ProblemError
from newsdesk.clock import Clock, system_clock
from newsdesk.dal import articles as store
from newsdesk.dal import scheduling
from newsdesk.models import Article, TeaserPage

SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")
# Query limits of the list route (the FastAPI route declares them from here).
LABEL_MAX_LENGTH = 100
LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 50, 12
CURSOR_MAX_LENGTH = 2048
# A go-live this far overdue is taken as failed (its schedule dead-lettered, an alarm raised)
# and no longer keeps lists and pages from being cached.
GO_LIVE_GRACE = timedelta(minutes=10)

# "Now" for cache lifetimes near a scheduled go-live; tests move it.
clock: Clock = system_clock


def list_cache_control() -> str:
    """Cache-Control of lists: PUBLIC_CACHE, shortened before the next go-live.

    One more Query of one item (the go-live index): no list outlives the moment a scheduled
    article enters it; overdue go-lives (a schedule fires within a minute) give 0 until
    carried out. Pages stay one Query: a scheduled article's own page is a 404 that no
    browser keeps and a CDN keeps for seconds (its go-live invalidates the path), and its
    related teasers change after any publication, scheduled or not, within the page's
    lifetime (docs/api.md, "Caching").
    """
    now = clock()
    upcoming = scheduling.next_go_live(now, GO_LIVE_GRACE)
    if upcoming is None:
        return public_cache_until(None)
    return public_cache_until(int((upcoming - now).total_seconds()))


def article_not_found(slug: str) -> ProblemError:
    """Unknown, draft and unpublished slugs all answer this one 404, briefly cached at a CDN."""
    return ProblemError(
        404,
        "article-not-found",
        "Article not found",
        f"No published article '{slug}'.",
        headers={"Cache-Control": MISSING_PAGE_CACHE, "Vary": "Origin"},
    )


def invalid_cursor(detail: str) -> ProblemError:
    """A cursor this list never issued: 404, as the page it names does not exist.

    Not 400: any string is a well-formed cursor (they are opaque), so the request is valid
    and only its target is missing; restart the list without `cursor`.
    """
    return ProblemError(404, "invalid-cursor", "Invalid cursor", detail)


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
    """One newest-first page; blank filters mean none, a foreign cursor is the 404 problem.

    Category, tag and author are each matched by name or slug ("Grønne områder" or
    "groenne-omraader"), and may be combined.
    """
    category, tag, author = _given(category), _given(tag), _given(author)
    try:
        return store.list_teasers(
            category=category, tag=tag, author=author, limit=limit, cursor=cursor or None
        )
    except store.InvalidCursorError as error:
        raise invalid_cursor(str(error)) from error
