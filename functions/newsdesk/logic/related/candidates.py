"""Candidate generation from postings: bounded reads, never a scan of the corpus.

For a new article, read the strongest postings of its strongest terms, of each of its tags and
of its category. The postings already carry the other article's weight, so a partial score
(the contribution of the features read) orders the pool; only the best of the pool are then
scored exactly. Reads per list grow with the square root of the corpus at most (`caps_for`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from newsdesk.logic.related.scoring import WEIGHTS, Weights
from newsdesk.related_records import (
    CATEGORY_PREFIX,
    TAG_PREFIX,
    TERM_PREFIX,
    Profile,
)


class PostingReader(Protocol):
    """Reads the first `limit` postings of a feature, strongest (or newest) first."""

    def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
        """(slug, weight) pairs in posting order."""
        ...


@dataclass(frozen=True, slots=True)
class Caps:
    """Bounds of one candidate generation."""

    query_terms: int
    per_term: int
    per_tag: int
    per_category: int
    pool: int


def caps_for(documents: int) -> Caps:
    """Caps that grow with sqrt(corpus) up to a hard ceiling, so cost stays sub-linear."""
    root = math.isqrt(max(documents, 1))
    return Caps(
        query_terms=8,
        per_term=min(25 + root // 2, 100),
        per_tag=min(25 + root // 2, 100),
        per_category=20,
        pool=min(40 + root // 4, 80),
    )


def candidate_pool(
    profile: Profile, reader: PostingReader, caps: Caps, weights: Weights = WEIGHTS
) -> list[str]:
    """Slugs worth scoring exactly for `profile`, best partial score first."""
    partial: dict[str, float] = {}
    strongest = sorted(profile.terms.items(), key=lambda kv: (-kv[1], kv[0]))
    reads = [
        (TERM_PREFIX + stem, weights.text * weight, caps.per_term)
        for stem, weight in strongest[: caps.query_terms]
    ]
    reads += [
        (TAG_PREFIX + tag, weights.tags * weight, caps.per_tag)
        for tag, weight in profile.tag_weights.items()
    ]
    reads.append((CATEGORY_PREFIX + profile.category, weights.category, caps.per_category))
    for feature, own_weight, limit in reads:
        is_category = feature.startswith(CATEGORY_PREFIX)
        for slug, weight in reader.postings(feature, limit):
            contribution = own_weight if is_category else own_weight * weight
            partial[slug] = partial.get(slug, 0.0) + contribution
    partial.pop(profile.slug, None)
    return sorted(partial, key=lambda slug: (-partial[slug], slug))[: caps.pool]
