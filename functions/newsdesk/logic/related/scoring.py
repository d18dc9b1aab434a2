"""How related two articles are, and how a related list is ordered and bounded.

The weights and threshold were chosen on the sample corpus (`content`, printed by the
quality evaluation in the benchmark): text similarity carries the topic, shared tags confirm
it, and the category only breaks near-ties, because editors do pick across categories.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.related_records import Entry, Profile

# Candidates kept per article so removals can be backfilled without a recompute.
KEPT = 12


@dataclass(frozen=True, slots=True)
class Weights:
    """Blend of the three signals, and the least score worth showing at all."""

    text: float = 0.75
    tags: float = 0.2
    category: float = 0.05
    threshold: float = 0.08


WEIGHTS = Weights()


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(key, 0.0) for key, weight in a.items())


def score(a: Profile, b: Profile, weights: Weights = WEIGHTS) -> float:
    """Symmetric relatedness in [0, 1]: cosine of texts and of tags, plus same category."""
    value = (
        weights.text * _dot(a.terms, b.terms)
        + weights.tags * _dot(a.tag_weights, b.tag_weights)
        + weights.category * (a.category == b.category)
    )
    return round(value, 6)


def entry(profile: Profile, related: float) -> Entry:
    """A list entry for `profile` at score `related`."""
    return Entry(slug=profile.slug, score=related, teaser=profile.teaser)


def ranked(entries: list[Entry]) -> list[Entry]:
    """Best first; ties go to the newer article, then the slug, so order is deterministic."""
    unique = {e.slug: e for e in entries}
    return sorted(
        unique.values(), key=lambda e: (-e.score, -e.teaser.published_at.timestamp(), e.slug)
    )


def top(profile: Profile, others: list[Profile], weights: Weights = WEIGHTS) -> list[Entry]:
    """The kept list of `profile` among `others`: above the threshold, best KEPT."""
    scored = [
        entry(other, related)
        for other in others
        if other.slug != profile.slug
        and (related := score(profile, other, weights)) >= weights.threshold
    ]
    return ranked(scored)[:KEPT]
