"""Navigation routes: category and tag menus, author pages and Danish search.

What they answer is `newsdesk.api.navigation`'s; like the article routes they are `async def`
(see `newsdesk.api.routes.articles` for why) and every answer carries an ETag.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from newsdesk.api.articles import CURSOR_MAX_LENGTH, LIMIT_DEFAULT
from newsdesk.api.caching import cached_json
from newsdesk.api.navigation import QUERY_MAX_LENGTH, read_author, read_labels, read_search
from newsdesk.api.problems import problem_responses
from newsdesk.api.query import Limit
from newsdesk.models import AuthorPage, LabelList, SearchPage

router = APIRouter(tags=["navigation"])
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match matched the ETag)"}
}


@router.get(
    "/categories",
    response_model=LabelList,
    summary="Every category with published articles, most used first",
    responses={**_NOT_MODIFIED},
)
async def list_categories(request: Request) -> Response:
    """The category menu: name, slug (for `/articles?category=`) and number of articles."""
    return cached_json(request, read_labels("category"))


@router.get(
    "/tags",
    response_model=LabelList,
    summary="Every tag in use on published articles, most used first",
    responses={**_NOT_MODIFIED},
)
async def list_tags(request: Request) -> Response:
    """The tag cloud: name, slug (for `/articles?tag=`) and number of articles."""
    return cached_json(request, read_labels("tag"))


@router.get(
    "/authors/{slug}",
    response_model=AuthorPage,
    summary="An author with the number of published articles",
    responses={**_NOT_MODIFIED, **problem_responses(404, 422)},
)
async def get_author(
    request: Request, slug: Annotated[str, Path(examples=["asta-petersen"])]
) -> Response:
    """The author page's header; the articles are `/articles?author={slug}`."""
    return cached_json(request, read_author(slug))


@router.get(
    "/search",
    response_model=SearchPage,
    summary="Published teasers matching a Danish query, best first",
    responses={**_NOT_MODIFIED, **problem_responses(404, 422)},
)
async def search(
    request: Request,
    *,
    q: Annotated[
        str, Query(min_length=1, max_length=QUERY_MAX_LENGTH, examples=["boligforeningerne"])
    ],
    limit: Limit = LIMIT_DEFAULT,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
) -> Response:
    """Title hits before body hits, newer first on equal relevance; at most 50 hits in all."""
    return cached_json(request, read_search(q, limit=limit, cursor=cursor))
