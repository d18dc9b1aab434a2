"""Danish search over the related index's term postings.

A query is analysed exactly like articles are for related teasers (`logic.related.text`:
lowercase, stopwords out, Snowball stems), so "boligforeningerne" finds "boligforening";
its words (and the whole query) are also looked up as tags. Each feature's postings list
the articles it weighs most in (field-boosted TF-IDF: title words count three times). A hit
scores, per matched feature, its IDF times (its weight in the article + TITLE_BONUS if it is
a title word or a tag): a title hit outranks a body hit of the same stem; equal scores
favour the newer article. The work is bounded whatever the corpus size: at most
2 × MAX_TERMS Queries of POSTINGS_PER_TERM postings, one BatchGetItem of statistics and one
of at most SHORTLIST teasers (docs/adr/0006-search-on-related-postings.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from newsdesk.dal import search as store
from newsdesk.labels import normalize_label
from newsdesk.logic.related.text import stems, stopwords
from newsdesk.models import Teaser
from newsdesk.related_records import TAG_PREFIX as TAG
from newsdesk.related_records import TERM_PREFIX

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
_PUNCTUATION = ".,;:!?\"'()[]«»–"

type Postings = Callable[[str, int], list[tuple[str, float]]]
type Statistics = Callable[[Iterable[str], Iterable[str]], tuple[int, dict[str, int]]]
type Teasers = Callable[[Iterable[str]], dict[str, Teaser]]


@dataclass(frozen=True, slots=True)
class Query:
    """An analysed query: stems for the text, normal-form labels for the tags."""

    terms: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def key(self) -> str:
        """What identifies the query's results (cursors are bound to it)."""
        return " ".join(self.terms) + "|" + "|".join(self.tags)


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked result: the teaser and why it ranks where it does."""

    teaser: Teaser
    score: float
    title_terms: int


def analyse_query(text: str) -> Query:
    """Stems of the words (stopwords out) and the tags the query may name.

    "boligforeningerne" → stem "boligforening"; "S-tog sporarbejde" → tags "s-tog",
    "sporarbejde" and "s-tog sporarbejde". Stopwords alone give an empty query.
    """
    terms = tuple(dict.fromkeys(stems(text)))[:MAX_TERMS]
    if not terms:
        return Query((), ())
    stop = stopwords()
    tokens = [t.strip(_PUNCTUATION) for t in normalize_label(text).split()]
    labels = [t for t in tokens if len(t) >= 2 and t not in stop]
    if len(tokens) > 1:
        labels.insert(0, " ".join(t for t in tokens if t))
    return Query(terms, tuple(dict.fromkeys(labels))[:MAX_TERMS])


def idf(document_frequency: int, documents: int) -> float:
    """Smoothed, always positive IDF: a stem in every article still counts a little."""
    documents = max(documents, document_frequency, 1)
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def rank(
    query: Query,
    matched: Mapping[str, dict[str, float]],
    teasers: Mapping[str, Teaser],
    idfs: Mapping[str, float],
) -> list[Hit]:
    """Hits by score (bonus for title words and tags), newer first on equal scores.

    Slugs without a live teaser (unpublished since they were posted) drop out.
    """
    hits = []
    for slug, weights in matched.items():
        teaser = teasers.get(slug)
        if teaser is None:
            continue
        in_title = set(stems(teaser.title)) & set(query.terms)
        bonus = [TERM_PREFIX + t for t in in_title] + [f for f in weights if f.startswith(TAG)]
        score = sum(weights.values()) + sum(idfs[f] * TITLE_BONUS for f in bonus)
        hits.append(Hit(teaser, round(score, SCORE_DECIMALS), len(in_title)))
    hits.sort(key=lambda h: (-h.score, -h.teaser.published_at.timestamp(), h.teaser.slug))
    return hits


def search(
    query: Query,
    *,
    term_postings: Postings = store.term_postings,
    tag_postings: Postings = store.tag_postings,
    statistics: Statistics = store.statistics,
    teasers: Teasers = store.teasers,
) -> list[Hit]:
    """The best MAX_RESULTS hits of an analysed query (an empty one: no request at all)."""
    if not query.terms:
        return []
    documents, frequencies = statistics(query.terms, query.tags)
    lists = {TERM_PREFIX + t: term_postings(t, POSTINGS_PER_TERM) for t in query.terms}
    lists |= {TAG + label: tag_postings(label, POSTINGS_PER_TERM) for label in query.tags}
    idfs = {f: idf(frequencies.get(f, 1), documents) for f in lists}
    matched: dict[str, dict[str, float]] = {}
    for feature, postings in lists.items():
        for slug, weight in postings:
            matched.setdefault(slug, {})[feature] = idfs[feature] * weight
    # Title hits are known only with the teaser; the strongest weights are read first (a
    # title word counts three times there), so the shortlist holds the title hits.
    shortlist = sorted(matched, key=lambda s: (-sum(matched[s].values()), s))[:SHORTLIST]
    return rank(query, {s: matched[s] for s in shortlist}, teasers(shortlist), idfs)[:MAX_RESULTS]
