"""Danish search over the related index's term postings.

A query is analysed exactly like articles are for related teasers (`logic.related.text`:
lowercase, stopwords out, Snowball stems), so "boligforeningerne" finds "boligforening".
Each stem's postings list the articles it weighs most in (field-boosted TF-IDF: title words
count three times). A hit scores, per matched stem, the stem's IDF times (its weight in the
article + TITLE_BONUS if it is in the title): a title hit outranks a body hit of the same
stem; equal scores favour the newer article. The work is bounded whatever the corpus size:
at most MAX_TERMS Queries of POSTINGS_PER_TERM postings, one BatchGetItem of statistics and
one of at most SHORTLIST teasers (docs/adr/0005-search-on-related-postings.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from newsdesk.dal import search as store
from newsdesk.logic.related.text import stems
from newsdesk.models import Teaser

MAX_TERMS = 8
POSTINGS_PER_TERM = 200
MAX_RESULTS = 50
# Teasers read to rank (one BatchGetItem): twice the results, so title hits of modest weight
# still make the cut.
SHORTLIST = 100
TITLE_BONUS = 1.0
# Scores are compared to two decimals: weights computed with the statistics of different
# moments (an article weighed when it was published) differ in the third for the same text,
# and such articles are equally relevant, so the newer one goes first.
SCORE_DECIMALS = 2

type Postings = Callable[[str, int], list[tuple[str, float]]]
type Statistics = Callable[[Iterable[str]], tuple[int, dict[str, int]]]
type Teasers = Callable[[Iterable[str]], dict[str, Teaser]]


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked result: the teaser and why it ranks where it does."""

    teaser: Teaser
    score: float
    title_terms: int


def query_terms(query: str) -> list[str]:
    """The distinct stems of a query, in order, at most MAX_TERMS ("" for stopwords only)."""
    return list(dict.fromkeys(stems(query)))[:MAX_TERMS]


def idf(document_frequency: int, documents: int) -> float:
    """Smoothed, always positive IDF: a stem in every article still counts a little."""
    documents = max(documents, document_frequency, 1)
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def candidates(
    terms: list[str], postings: Mapping[str, list[tuple[str, float]]], idfs: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """Articles that any term posts, with each matched term's IDF-scaled weight."""
    found: dict[str, dict[str, float]] = {}
    for term in terms:
        for slug, weight in postings.get(term, []):
            found.setdefault(slug, {})[term] = idfs[term] * weight
    return found


def rank(
    terms: list[str],
    matched: Mapping[str, dict[str, float]],
    teasers: Mapping[str, Teaser],
    idfs: Mapping[str, float],
) -> list[Hit]:
    """Hits by score (title bonus included), newer first on equal scores; unknown slugs out."""
    hits = []
    for slug, weights in matched.items():
        teaser = teasers.get(slug)
        if teaser is None:
            continue  # unpublished since it was posted
        in_title = set(stems(teaser.title)) & set(terms)
        score = sum(weights.values()) + sum(idfs[t] * TITLE_BONUS for t in in_title)
        hits.append(Hit(teaser, round(score, SCORE_DECIMALS), len(in_title)))
    hits.sort(key=lambda h: (-h.score, -h.teaser.published_at.timestamp(), h.teaser.slug))
    return hits


def search(
    terms: list[str],
    *,
    postings: Postings = store.term_postings,
    statistics: Statistics = store.term_statistics,
    teasers: Teasers = store.teasers,
) -> list[Hit]:
    """The best MAX_RESULTS hits for already analysed `terms` (none: no request at all)."""
    if not terms:
        return []
    documents, frequencies = statistics(terms)
    idfs = {t: idf(frequencies.get(t, 1), documents) for t in terms}
    lists = {term: postings(term, POSTINGS_PER_TERM) for term in terms}
    matched = candidates(terms, lists, idfs)
    # Title hits are known only with the teaser; the strongest weights are read first (a
    # title word counts three times there), so the shortlist holds the title hits.
    shortlist = sorted(matched, key=lambda s: (-sum(matched[s].values()), s))[:SHORTLIST]
    return rank(terms, {s: matched[s] for s in shortlist}, teasers(shortlist), idfs)[:MAX_RESULTS]
