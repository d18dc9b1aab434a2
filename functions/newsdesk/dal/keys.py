"""The single-table key design (documented in README.md, "Table design").

Every item has `PK` and `SK`; list indexes use `GSI1PK`/`GSI1SK` (all articles, by tag) and
`GSI2PK`/`GSI2SK` (by category). Sort keys for lists are `<published_at UTC>#<slug>` so a
Query with ScanIndexForward=False is newest first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from newsdesk.labels import normalize_label

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


def article_pk(slug: str) -> str:
    """Partition of one article: its page items, tag entries and maintenance items."""
    return f"{ARTICLE_PREFIX}{slug}"


def tag_sk(tag: str) -> str:
    """Sort key of an article's entry in one tag's list."""
    return f"{TAG_SK_PREFIX}{normalize_label(tag)}"


def tag_list_pk(tag: str) -> str:
    """GSI1 partition of one tag's newest-first list."""
    return f"TAG#{normalize_label(tag)}"


def category_list_pk(category: str) -> str:
    """GSI2 partition of one category's newest-first list."""
    return f"CAT#{normalize_label(category)}"


def list_sk(published_at: datetime, slug: str) -> str:
    """Newest-first sort key: UTC timestamp (fixed width) then slug as a tie-breaker."""
    stamp = published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{stamp}#{slug}"
