"""The related index's stored records: what `logic.related` computes and `dal.related` keeps.

Both layers need these shapes (and the posting sort key that is part of the table design), so
they live below both instead of in the logic that computes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from newsdesk.models import Teaser

# Teasers shown on an article page.
SHOWN = 4
TERM_PREFIX = "w:"
TAG_PREFIX = "t:"
CATEGORY_PREFIX = "c:"
DIGITS = 6
# The META attribute holding the editors' pinned related slugs (front matter `related`).
PINS_ATTRIBUTE = "related_pins"

type Reason = Literal["pinned", "similar", "fallback"]
# A rank key: smaller is better; first element is the tier (0 pinned, 1 similar, 2 fallback).
type RankKey = tuple[float | str, ...]


class Profile(BaseModel):
    """What the related engine knows of one live article; it depends on the article alone.

    `terms` is the article's unit-length term-frequency vector: no corpus statistics are baked
    in, so a profile never goes stale when other articles come and go (statistics are applied
    when a list is selected).
    """

    model_config = ConfigDict(frozen=True)

    slug: str
    category: str
    tags: tuple[str, ...]
    terms: dict[str, float]
    pins: tuple[str, ...] = ()
    teaser: Teaser
    updated_at: str
    fingerprint: str

    @property
    def published_at(self) -> datetime:
        """Publication time (fallback nearness and tie-breaks)."""
        return self.teaser.published_at

    @property
    def features(self) -> tuple[str, ...]:
        """Every feature counted in document frequencies: terms and tags."""
        return tuple(
            sorted([TERM_PREFIX + t for t in self.terms] + [TAG_PREFIX + t for t in self.tags])
        )


class Entry(BaseModel):
    """One teaser of a related list: who, why, how it ranked, and its teaser copy."""

    model_config = ConfigDict(frozen=True)

    slug: str
    score: float
    reason: Reason = "similar"
    rank: tuple[float | str, ...] = ()
    teaser: Teaser


def posting_rank(feature: str, weight: float, published_at: datetime) -> str:
    """Sort key of a posting: strongest term weight first; in a tag or category list, newest
    first (so candidates can be read around an article's own time)."""
    if feature.startswith((CATEGORY_PREFIX, TAG_PREFIX)):
        return f"{9_999_999_999 - int(published_at.timestamp()):010d}"
    return f"{round((1.0 - min(max(weight, 0.0), 1.0)) * 10**DIGITS):07d}"
