"""Candidate generation from postings: bounded reads, never a scan of the corpus.

For an article, read the strongest postings of its most specific terms (under the current
statistics), the articles nearest in time under each of its most specific tags and under its
category, and, only when that finds too few, the articles nearest in time overall. Postings
carry the other article's term weight, so a partial score orders the pool; only the best of
the pool are scored exactly. Reads per list grow with the square root of the corpus at most
(`caps_for`), and every read is deterministic given the live corpus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from newsdesk.logic.related.scoring import WEIGHTS, Stats, Weights
from newsdesk.related_records import CATEGORY_PREFIX, SHOWN, TAG_PREFIX, TERM_PREFIX, Profile


class PostingReader(Protocol):
    """Reads postings: a term's strongest, a tag's or category's nearest in time, or the
    nearest in time among all live articles."""

    def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
        """The first `limit` (slug, weight) pairs of a term's posting list, strongest first."""
        ...

    def around(self, feature: str, published_at: datetime, limit: int) -> list[str]:
        """Up to `limit` newer and `limit` older slugs of a tag or category posting list."""
        ...

    def nearest(self, published_at: datetime, limit: int) -> list[str]:
        """Up to `limit` newer and `limit` older slugs among all live articles."""
        ...


@dataclass(frozen=True, slots=True)
class Caps:
    """Bounds of one candidate generation."""

    query_terms: int
    per_term: int
    query_tags: int
    per_tag: int
    per_category: int
    pool: int


def caps_for(documents: int) -> Caps:
    """Caps that grow with sqrt(corpus) up to a hard ceiling, so cost stays sub-linear."""
    root = math.isqrt(max(documents, 1))
    return Caps(
        query_terms=8,
        per_term=min(25 + root // 2, 100),
        query_tags=6,
        per_tag=min(8 + root // 8, 25),
        per_category=10,
        pool=min(40 + root // 4, 80),
    )


def candidate_pool(
    profile: Profile, reader: PostingReader, caps: Caps, stats: Stats, weights: Weights = WEIGHTS
) -> list[str]:
    """Slugs worth scoring exactly for `profile`, best partial score first (never itself)."""
    partial: dict[str, float] = {}

    def add(slug: str, value: float) -> None:
        partial[slug] = partial.get(slug, 0.0) + value

    specific = {
        term: weight * stats.specificity(TERM_PREFIX + term) ** weights.sharpness
        for term, weight in profile.terms.items()
    }
    for term, query in sorted(specific.items(), key=lambda kv: (-kv[1], kv[0]))[: caps.query_terms]:
        for slug, weight in reader.postings(TERM_PREFIX + term, caps.per_term):
            add(slug, weights.text * query * weight)
    tags = sorted(profile.tags, key=lambda t: (-stats.specificity(TAG_PREFIX + t), t))
    for tag in tags[: caps.query_tags]:
        value = weights.tags * stats.specificity(TAG_PREFIX + tag)
        for slug in reader.around(TAG_PREFIX + tag, profile.published_at, caps.per_tag):
            add(slug, value)
    for slug in reader.around(
        CATEGORY_PREFIX + profile.category, profile.published_at, caps.per_category
    ):
        add(slug, weights.category)
    partial.pop(profile.slug, None)
    pool = sorted(partial, key=lambda slug: (-partial[slug], slug))[: caps.pool]
    if len(pool) < SHOWN + len(profile.pins):
        # Too little in common with anything: the nearest in time fill the page.
        extra = reader.nearest(profile.published_at, SHOWN + len(profile.pins) + 1)
        pool += [s for s in dict.fromkeys(extra) if s != profile.slug and s not in partial]
    return pool
