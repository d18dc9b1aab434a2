"""Which public URLs a change makes stale, collected per invocation for the CDN to invalidate.

The publish and related functions know what they changed; the handler opens `collect()`,
the domain code reports each change through `written` (transactional writes) or
`teasers_changed` (a related list), and the handler invalidates the collected paths in one
request when the invocation ends (docs/adr/0005-cdn-freshness.md has the cost model).

Paths are those a reader requests at the CDN. Article and e-book pages are cached without
query strings (template.yaml, `PageCachePolicy`), so one exact path covers every cached copy;
the article lists are `/articles` with and without a query string. Other list routes are
capped at `ListCachePolicy`'s MaxTTL instead of being invalidated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

from newsdesk.dal import ebooks, keys

# The front page and every filtered or paged article list (category, tag, limit, cursor).
ARTICLE_LISTS = ("/articles", "/articles?*")
EBOOK_LIST = "/ebooks"

_pending: ContextVar[set[str] | None] = ContextVar("stale_paths", default=None)


def article_page(slug: str) -> str:
    """The article's URL path (as the API routes it)."""
    return f"/articles/{quote(slug, safe='')}"


def ebook_page(ebook_id: str) -> str:
    """The e-book's URL path."""
    return f"/ebooks/{quote(ebook_id, safe='')}"


def stale_paths(pk: str, sk: str) -> set[str]:
    """The paths whose answer a write of item (pk, sk) changes; empty for internal items."""
    if pk.startswith(keys.ARTICLE_PREFIX):
        slug = pk.removeprefix(keys.ARTICLE_PREFIX)
        if sk == keys.ARTICLE_SK or sk.startswith(keys.TAG_SK_PREFIX):
            return {article_page(slug), *ARTICLE_LISTS}  # the page and the teasers in lists
        if sk.startswith(keys.PAGE_SK_PREFIX):
            return {article_page(slug)}  # e-book copy or related teasers on the page
        return set()
    if pk.startswith(ebooks.ebook_pk("")) and sk == ebooks.EBOOK_SK:
        return {EBOOK_LIST, ebook_page(pk.removeprefix(ebooks.ebook_pk("")))}
    return set()


def _item_key(operation: Mapping[str, Any]) -> tuple[str, str] | None:
    """(PK, SK) of a transactional Put or Delete; None for condition checks."""
    if "Put" in operation:
        key = operation["Put"]["Item"]
    elif "Delete" in operation:
        key = operation["Delete"]["Key"]
    else:
        return None
    return str(key["PK"]["S"]), str(key["SK"]["S"])


@contextmanager
def collect() -> Iterator[set[str]]:
    """Collect the stale paths reported inside the block (one set per invocation)."""
    paths: set[str] = set()
    token = _pending.set(paths)
    try:
        yield paths
    finally:
        _pending.reset(token)


def _add(paths: Iterable[str]) -> None:
    pending = _pending.get()
    if pending is not None:
        pending.update(paths)


def written(operations: Iterable[Mapping[str, Any]]) -> None:
    """Report a committed transaction: every path its Puts and Deletes made stale."""
    for operation in operations:
        key = _item_key(operation)
        if key is not None:
            _add(stale_paths(*key))


def teasers_changed(slug: str) -> None:
    """Report that the related teasers shown on an article's page changed."""
    _add([article_page(slug)])
