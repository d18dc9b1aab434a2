"""Article routes: newest-first lists and whole article pages.

What the routes do is `newsdesk.api.articles`' `read_teasers` and `read_article`, the same
reads the fast path (`newsdesk.api.fastpath`) answers most cold requests with, without FastAPI.

The routes are `async def` although the store blocks: a function instance serves one event
at a time (Lambda, and the local stack that imitates it), so nothing waits behind the Query,
while a sync route would cost a worker thread per request (Mangum runs each event in a new
loop run, and anyio's thread pool does not outlive it): about 3 ms per warm request and the
thread-pool machinery on the cold path.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from newsdesk.api.articles import (
    CURSOR_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    LIMIT_DEFAULT,
    list_cache_control,
    read_article,
    read_teasers,
)
from newsdesk.api.caching import cached_json
from newsdesk.api.problems import problem_responses
from newsdesk.api.query import Limit
from newsdesk.models import Article, TeaserPage

router = APIRouter(tags=["articles"])


@router.get(
    "/articles",
    response_model=TeaserPage,
    summary="Newest-first published teasers, by any of category, tag and author",
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **problem_responses(404, 422),
    },
)
async def list_articles(
    request: Request,
    *,
    category: Annotated[str | None, Query(max_length=LABEL_MAX_LENGTH)] = None,
    tag: Annotated[str | None, Query(max_length=LABEL_MAX_LENGTH)] = None,
    limit: Limit = LIMIT_DEFAULT,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
    author: Annotated[str | None, Query(max_length=LABEL_MAX_LENGTH)] = None,
) -> Response:
    """One page of teasers; `next_cursor` fetches the next page of the same list.

    `category`, `tag` and `author` take a name or its slug ("Grønne områder" or
    "groenne-omraader"); filters combine (an author's articles in a category).
    """
    page = read_teasers(category=category, tag=tag, author=author, limit=limit, cursor=cursor)
    return cached_json(request, page, list_cache_control())


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
    return cached_json(request, read_article(slug))
