"""The related index's stored records: what `logic.related` computes and `dal.related` keeps.

Both layers need these shapes (and the posting sort key that is part of the table design), so
they live below both instead of in the logic that computes them.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from newsdesk.models import Teaser

# Teasers shown on an article page.
SHOWN = 4
TERM_PREFIX = "w:"
TAG_PREFIX = "t:"
CATEGORY_PREFIX = "c:"
DIGITS = 6


class Profile(BaseModel):
    """A weighted, normalised feature vector plus what lists need to show the article."""

    model_config = ConfigDict(frozen=True)

    slug: str
    category: str
    tags: tuple[str, ...]
    terms: dict[str, float]
    tag_weights: dict[str, float]
    features: tuple[str, ...]
    teaser: Teaser
    updated_at: str
    fingerprint: str

    @property
    def published_at(self) -> datetime:
        """Publication time (tie-breaker: newer first)."""
        return self.teaser.published_at


class Entry(BaseModel):
    """One kept candidate of a related list: who, how related, and its teaser copy."""

    model_config = ConfigDict(frozen=True)

    slug: str
    score: float
    teaser: Teaser


def posting_rank(feature: str, weight: float, published_at: datetime) -> str:
    """Sort key of a posting: strongest first; in a category list, newest first."""
    if feature.startswith(CATEGORY_PREFIX):
        return f"{9_999_999_999 - int(published_at.timestamp()):010d}"
    return f"{round((1.0 - min(max(weight, 0.0), 1.0)) * 10**DIGITS):07d}"
