"""Article routes: newest-first lists and whole article pages.

The routes are `async def` although the store blocks: a function instance serves one event
at a time (Lambda, and the local stack that imitates it), so nothing waits behind the Query,
while a sync route would cost a worker thread per request (Mangum runs each event in a new
loop run, and anyio's thread pool does not outlive it): about 3 ms per warm request and the
thread-pool machinery on the cold path.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from newsdesk.api.caching import cached_json
from newsdesk.api.problems import ProblemError, problem_responses
from newsdesk.dal import articles as store
from newsdesk.models import Article, TeaserPage

router = APIRouter(tags=["articles"])

SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")


def _not_found(slug: str) -> ProblemError:
    return ProblemError(
        404, "article-not-found", "Article not found", f"No published article '{slug}'."
    )


@router.get(
    "/articles",
    response_model=TeaserPage,
    summary="Newest-first published teasers, by category and/or tag",
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **problem_responses(400, 422),
    },
)
async def list_articles(
    request: Request,
    category: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 12,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response:
    """One page of teasers; `next_cursor` fetches the next page of the same list."""
    try:
        page = store.list_teasers(
            category=category.strip() or None if category else None,
            tag=tag.strip() or None if tag else None,
            limit=limit,
            cursor=cursor or None,
        )
    except store.InvalidCursorError as error:
        raise ProblemError(400, "invalid-cursor", "Invalid cursor", str(error)) from error
    return cached_json(request, page)


@router.get(
    "/articles/{slug}",
    response_model=Article,
    summary="A published article with its related teasers and e-book",
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **problem_responses(404, 422),
    },
)
async def get_article(
    request: Request, slug: Annotated[str, Path(examples=["inklusion-i-praksis"])]
) -> Response:
    """The article page; drafts, unpublished and unknown slugs are all 404."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise _not_found(slug)
    article = store.get_article(slug)
    if article is None:
        raise _not_found(slug)
    return cached_json(request, article)
