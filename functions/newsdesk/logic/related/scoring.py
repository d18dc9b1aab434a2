"""How related two articles are, and which four teasers a page shows, in which order.

Scores use the corpus statistics of the moment a list is selected (`Stats`), applied to
profiles that depend on their article alone, so two selections with the same live corpus give
the same list whatever happened before. Every sum runs in a fixed order and is rounded, and
every tie is broken by publication time and then slug: the result is a pure function of
(article, candidates, statistics).

The weights and threshold were tuned on the tuning half of the evaluation corpus
(`infra/bench/eval`); the benchmark prints the test half's figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from newsdesk.related_records import (
    DIGITS,
    SHOWN,
    TAG_PREFIX,
    TERM_PREFIX,
    Entry,
    Profile,
    RankKey,
    Reason,
)


@dataclass(frozen=True, slots=True)
class Weights:
    """Blend of the three signals, the least score that counts as similar, IDF sharpness."""

    text: float = 0.8
    tags: float = 0.2
    # The category only orders the fallback: as a score it pulled same-category articles on
    # other topics above cross-category ones on the same topic (tuning half, `--tune`).
    category: float = 0.0
    threshold: float = 0.06
    # Specificity is raised to this power: higher favours rare shared terms more.
    sharpness: float = 1.0


WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Stats:
    """Corpus statistics: live articles and each feature's document frequency."""

    documents: int
    frequencies: Mapping[str, int] = field(default_factory=dict)
    # Specificities already computed: a settle asks for the same few thousand N² times.
    _known: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def specificity(self, feature: str) -> float:
        """Smoothed IDF scaled to [0, 1]: 1 for a feature of one article, ~0 for one of all."""
        known = self._known.get(feature)
        if known is not None:
            return known
        documents = max(self.documents, 1)
        df = min(max(self.frequencies.get(feature, 1), 1), documents)
        top = math.log(1.0 + (documents - 0.5) / 1.5)
        value = 1.0 if top <= 0 else math.log(1.0 + (documents - df + 0.5) / (df + 0.5)) / top
        self._known[feature] = value
        return value


@dataclass(frozen=True, slots=True)
class Signals:
    """What two articles share, measured: the inputs of both the score and the fallback."""

    text: float
    tags: float
    shared_tags: int
    same_category: bool

    def score(self, weights: Weights = WEIGHTS) -> float:
        """The blended relatedness, rounded so it is stable through storage."""
        value = (
            weights.text * self.text
            + weights.tags * self.tags
            + weights.category * self.same_category
        )
        return round(value, DIGITS)


def _contributions(
    a: Profile, b: Profile, stats: Stats, weights: Weights
) -> Iterator[tuple[str, float]]:
    """Each shared term with its contribution to the text similarity, in no set order."""
    small, large = (a.terms, b.terms) if len(a.terms) <= len(b.terms) else (b.terms, a.terms)
    power = weights.sharpness
    for term in small.keys() & large.keys():
        yield term, small[term] * large[term] * stats.specificity(TERM_PREFIX + term) ** power


def shared_terms(
    a: Profile, b: Profile, stats: Stats, weights: Weights = WEIGHTS
) -> list[tuple[str, float]]:
    """Each shared term's contribution to the text similarity, strongest first."""
    return sorted(_contributions(a, b, stats, weights), key=lambda kv: (-kv[1], kv[0]))


def signals(a: Profile, b: Profile, stats: Stats, weights: Weights = WEIGHTS) -> Signals:
    """Symmetric measures of what `a` and `b` share under `stats`."""
    # fsum is exact, so the sum does not depend on the order (`shared_terms` sorts for people).
    text = math.fsum(value for _, value in _contributions(a, b, stats, weights))
    common = sorted(set(a.tags) & set(b.tags))
    tags = 0.0
    if common:
        specific = math.fsum(stats.specificity(TAG_PREFIX + tag) for tag in common)
        tags = specific / math.sqrt(len(a.tags) * len(b.tags))
    return Signals(
        text=round(text, DIGITS),
        tags=round(tags, DIGITS),
        shared_tags=len(common),
        same_category=a.category == b.category,
    )


def score(a: Profile, b: Profile, stats: Stats, weights: Weights = WEIGHTS) -> float:
    """Symmetric relatedness in [0, 1]."""
    return signals(a, b, stats, weights).score(weights)


def rank_key(owner: Profile, other: Profile, found: Signals, weights: Weights = WEIGHTS) -> RankKey:
    """Where `other` ranks in `owner`'s list (smaller first).

    Similar articles (score at or above the threshold) by score; the rest by the cheaper
    signals: shared tags (specific ones first), same category, then the score itself, then
    nearness in time (for a new article: the newest). Publication time and slug break ties.
    """
    value = found.score(weights)
    newer = -other.published_at.timestamp()
    if value >= weights.threshold:
        return (1, -value, newer, other.slug)
    distance = abs(other.published_at.timestamp() - owner.published_at.timestamp())
    return (
        2,
        -found.tags,
        -found.shared_tags,
        -int(found.same_category),
        -value,
        distance,
        newer,
        other.slug,
    )


def _entry(other: Profile, value: float, reason: Reason, rank: RankKey) -> Entry:
    return Entry(slug=other.slug, score=value, reason=reason, rank=rank, teaser=other.teaser)


def select(
    owner: Profile,
    candidates: Iterable[Profile],
    stats: Stats,
    pinned: Mapping[str, Profile] | None = None,
    weights: Weights = WEIGHTS,
) -> list[Entry]:
    """The teasers `owner`'s page shows: live pins in the editors' order, then the ranked rest.

    `pinned` holds the live ones among `owner.pins` (a missing or unpublished pin is skipped,
    and comes back by itself when a later selection finds it live). Never the article itself,
    never twice the same article.
    """
    chosen: list[Entry] = []
    taken = {owner.slug}
    for position, slug in enumerate(owner.pins):
        other = (pinned or {}).get(slug)
        if other is None or slug in taken:
            continue
        found = signals(owner, other, stats, weights)
        chosen.append(_entry(other, found.score(weights), "pinned", (0, position, slug)))
        taken.add(slug)
    ranked: dict[str, Entry] = {}
    for other in candidates:
        if other.slug in taken:
            continue
        found = signals(owner, other, stats, weights)
        key = rank_key(owner, other, found, weights)
        reason: Reason = "similar" if key[0] == 1 else "fallback"
        ranked[other.slug] = _entry(other, found.score(weights), reason, key)
    rest = sorted(ranked.values(), key=lambda e: e.rank)
    return [*chosen, *rest][:SHOWN]


def beats(candidate: RankKey, entries: list[Entry]) -> bool:
    """Whether an article ranked `candidate` belongs among `entries` (a shown list)."""
    ranked = [e for e in entries if e.reason != "pinned"]
    if len(entries) < SHOWN:
        return True
    return bool(ranked) and candidate < ranked[-1].rank


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why `other` is related to an article: the signals, strongest shared terms and tags."""

    signals: Signals
    terms: list[tuple[str, float]]
    tags: list[str]


def explain(
    owner: Profile, other: Profile, stats: Stats, weights: Weights = WEIGHTS, top: int = 5
) -> Explanation:
    """The evidence behind `other`'s place in `owner`'s list (for `make related-explain`)."""
    return Explanation(
        signals=signals(owner, other, stats, weights),
        terms=shared_terms(owner, other, stats, weights)[:top],
        tags=sorted(set(owner.tags) & set(other.tags)),
    )
