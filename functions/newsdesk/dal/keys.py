"""The single-table key design (documented in README.md, "Table design").

Every item has `PK` and `SK`; list indexes use `GSI1PK`/`GSI1SK` (all articles, by tag),
`GSI2PK`/`GSI2SK` (by category) and `GSI3PK`/`GSI3SK` (by author). Sort keys for lists are
`<published_at UTC>#<slug>` so a Query with ScanIndexForward=False is newest first. Lists of a
label are keyed by the label's URL slug, so `?tag=Grønne områder` and `?tag=groenne-omraader`
are one list.
"""

from __future__ import annotations

from datetime import UTC, datetime

from newsdesk.labels import label_slug

ARTICLE_PREFIX = "ARTICLE#"
# Items of an article partition that make up the page: one Query with begins_with(SK, "A#").
PAGE_SK_PREFIX = "A#"
ARTICLE_SK = "A#META"
RELATED_SK = "A#RELATED"
ARTICLE_EBOOK_SK = "A#EBOOK"
TAG_SK_PREFIX = "TAG#"

ALL_ARTICLES = "ARTICLES"
LIST_INDEX = "GSI1"
CATEGORY_INDEX = "GSI2"
AUTHOR_INDEX = "GSI3"


def article_pk(slug: str) -> str:
    """Partition of one article: its page items, tag entries and maintenance items."""
    return f"{ARTICLE_PREFIX}{slug}"


def tag_sk(tag: str) -> str:
    """Sort key of an article's entry in one tag's list."""
    return f"{TAG_SK_PREFIX}{label_slug(tag)}"


def tag_list_pk(tag: str) -> str:
    """GSI1 partition of one tag's newest-first list."""
    return f"TAG#{label_slug(tag)}"


def category_list_pk(category: str) -> str:
    """GSI2 partition of one category's newest-first list."""
    return f"CAT#{label_slug(category)}"


def author_list_pk(author: str) -> str:
    """GSI3 partition of one author's newest-first list (the name or its slug)."""
    return f"AUTHOR#{label_slug(author)}"


def list_sk(published_at: datetime, slug: str) -> str:
    """Newest-first sort key: UTC timestamp (fixed width) then slug as a tie-breaker."""
    stamp = published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{stamp}#{slug}"
