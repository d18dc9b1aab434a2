"""The reads around the articles that a site's navigation needs: menus, authors, search.

Framework-free like `newsdesk.api.articles`: the FastAPI routes
(`newsdesk.api.routes.navigation`) only declare parameters and cache the answers.
"""

from __future__ import annotations

from newsdesk.api.articles import SLUG_PATTERN, invalid_cursor
from newsdesk.api.problems import ProblemError
from newsdesk.dal import labels as label_store
from newsdesk.dal.articles import InvalidCursorError, decode_cursor, encode_cursor
from newsdesk.logic import search as engine
from newsdesk.models import AuthorPage, Label, LabelList, SearchPage

QUERY_MAX_LENGTH = 200
_SEARCH_LIST = "search|"


def read_labels(kind: label_store.Kind) -> LabelList:
    """Every category or tag of a live article, most used first (one Query)."""
    counted = [c for c in label_store.counters(kind) if c.articles > 0]
    counted.sort(key=lambda c: (-c.articles, c.name.casefold(), c.slug))
    return LabelList(items=[Label(name=c.name, slug=c.slug, articles=c.articles) for c in counted])


def author_not_found(slug: str) -> ProblemError:
    """Unknown authors and authors without live articles answer this one 404."""
    return ProblemError(
        404, "author-not-found", "Author not found", f"No author '{slug}' with published articles."
    )


def read_author(slug: str) -> AuthorPage:
    """The author of `/authors/{slug}` with the number of live articles (one GetItem)."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise author_not_found(slug)
    found = label_store.counter("author", slug)
    if found is None or found.articles < 1:
        raise author_not_found(slug)
    return AuthorPage(
        name=found.name,
        first_name=found.first_name,
        last_name=found.last_name,
        slug=found.slug,
        articles=found.articles,
    )


def _offset(query: engine.Query, cursor: str | None) -> int:
    """Where a page starts; a cursor of another query (or a forged one) is the 404 problem."""
    if not cursor:
        return 0
    try:
        start = decode_cursor(_SEARCH_LIST + query.key, cursor)
        offset = int(start["offset"]["S"]) if set(start) == {"offset"} else -1
    except (InvalidCursorError, ValueError) as error:
        raise invalid_cursor(str(error)) from error
    if not 0 < offset < engine.MAX_RESULTS:
        raise invalid_cursor("cursor is out of range")
    return offset


def read_search(query: str, *, limit: int, cursor: str | None) -> SearchPage:
    """One page of the best hits for `query`; stopwords alone find nothing (and cost nothing)."""
    analysed = engine.analyse_query(query)
    offset = _offset(analysed, cursor)
    hits = engine.search(analysed)
    end = offset + limit
    return SearchPage(
        items=[hit.teaser for hit in hits[offset:end]],
        next_cursor=(
            encode_cursor(_SEARCH_LIST + analysed.key, {"offset": {"S": str(end)}})
            if end < len(hits)
            else None
        ),
    )
