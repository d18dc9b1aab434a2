"""Related lists as pure functions: profiles, scores, selection, candidate generation.

No AWS: profiles come from the META items the publisher's item builder makes, postings from
the in-memory reader the recompute uses (`MemoryPostings`), wrapped to count reads.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from newsdesk.dal.articles import article_items
from newsdesk.liveness import is_live
from newsdesk.logic.related.candidates import Caps, candidate_pool, caps_for
from newsdesk.logic.related.maintenance import corpus_stats
from newsdesk.logic.related.profile import MAX_TERMS, POSTED_TERMS, analyse, posting_features
from newsdesk.logic.related.recompute import MemoryPostings
from newsdesk.logic.related.scoring import WEIGHTS, Stats, score, select, shared_terms, signals
from newsdesk.related_records import DIGITS, PINS_ATTRIBUTE, SHOWN, Profile

from tests.factories import make_article

TOPICS = {
    "bolig": "Boligforeningen og beboerne renoverer blokkene med nye vinduer og varmepumper.",
    "fodbold": "Fodboldklubben træner ungdomsholdene på kunstgræsbanen hver tirsdag.",
    "cykel": "Cykelstien langs boulevarden giver pendlere og skoleelever en sikker vej.",
    "natur": "Ørrederne gyder i åen, og fuglene raster i rørskoven ved søen.",
}


def meta(slug: str, *, pins: tuple[str, ...] = (), **fields: object) -> dict[str, object]:
    """The META item the publisher stores for an article."""
    values: dict[str, object] = {"subtitle": None, "summary": None, "body_html": ""}
    values.update(fields)
    extra = {PINS_ATTRIBUTE: list(pins)} if pins else None
    key = f"articles/{slug}.md"
    return article_items(make_article(slug, **values), source_key=key, extra=extra)[0]


def article(slug: str, topic: str, *, hours_ago: int = 0, **fields: object) -> Profile:
    """A profile of an article on one of TOPICS."""
    values: dict[str, object] = {
        "title": f"{topic.capitalize()} i Ballerup",
        "body_html": f"<p>{TOPICS[topic]} Ballerup Kommune.</p>",
        "tags": [topic.capitalize(), "Ballerup"],
        "category": topic.capitalize(),
    }
    values.update(fields)
    return analyse(meta(slug, hours_ago=hours_ago, **values))


def corpus(size: int, seed: int = 3) -> list[Profile]:
    rng = random.Random(seed)
    topics = sorted(TOPICS)
    return [
        article(f"a-{i:04d}", rng.choice(topics), hours_ago=rng.randrange(0, 5000))
        for i in range(size)
    ]


def test_profiles_depend_on_the_article_alone_and_are_unit_length() -> None:
    one = article("a", "bolig")
    assert one == article("a", "bolig")
    assert math.isclose(sum(w * w for w in one.terms.values()), 1.0, abs_tol=1e-4)
    assert len(one.terms) <= MAX_TERMS
    assert len(posting_features(one)) <= POSTED_TERMS + len(one.tags) + 1
    tagged = analyse(meta("b", tags=["Fællesskab ", "FÆLLESSKAB", "Grønne  områder"]))
    assert tagged.tags == ("fællesskab", "grønne områder")


def test_pins_are_read_from_meta_without_self_or_repeats() -> None:
    pinned = analyse(meta("a", pins=("x", "a", "y", "x", "z", "w", "v")))
    assert pinned.pins == ("x", "y", "z", "w")
    assert pinned.fingerprint != analyse(meta("a")).fingerprint


def test_specificity_discounts_what_every_article_shares() -> None:
    stats = Stats(100, {"w:ballerup": 100, "w:haveforening": 2, "w:fejr": 20})
    assert stats.specificity("w:ballerup") < 0.01
    assert stats.specificity("w:fejr") < stats.specificity("w:haveforening") <= 1.0
    assert stats.specificity("w:unknown") == 1.0


def test_scores_are_symmetric_bounded_and_topical() -> None:
    profiles = [article("b1", "bolig"), article("b2", "bolig"), article("f1", "fodbold")]
    stats = corpus_stats(profiles)
    b1, b2, f1 = profiles
    assert score(b1, b2, stats) == score(b2, b1, stats)
    assert 0 < score(b1, f1, stats) < score(b1, b2, stats) <= 1


def test_a_small_corpus_shows_every_other_article() -> None:
    profiles = corpus(4)
    stats = corpus_stats(profiles)
    for owner in profiles:
        shown = select(owner, profiles, stats)
        assert sorted(e.slug for e in shown) == sorted(p.slug for p in profiles if p != owner)


def test_always_four_best_first_then_fallback() -> None:
    profiles = corpus(60)
    stats = corpus_stats(profiles)
    for owner in profiles:
        shown = select(owner, profiles, stats)
        slugs = [e.slug for e in shown]
        assert len(shown) == SHOWN and owner.slug not in slugs and len(set(slugs)) == SHOWN
        reasons = [e.reason for e in shown]
        assert reasons == sorted(reasons, key=["pinned", "similar", "fallback"].index)
        similar = [e.score for e in shown if e.reason == "similar"]
        assert similar == sorted(similar, reverse=True)
        assert all(s >= WEIGHTS.threshold for s in similar)


def test_fallback_prefers_shared_tags_then_category_then_nearness_in_time() -> None:
    def lone(slug: str, word: str, hours_ago: int, **fields: object) -> Profile:
        """An article sharing no word with the others."""
        text = {"title": word, "body_html": f"<p>{word}</p>", "tags": [], "category": "Trafik"}
        return analyse(meta(slug, hours_ago=hours_ago, **(text | fields)))

    owner = lone("owner", "rørsanger", 0, tags=["Fugle"], category="Natur")
    same_tag = lone("same-tag", "varmepumpe", 900, tags=["Fugle"], category="Bolig")
    same_category = lone("same-category", "kunstgræs", 800, category="Natur")
    near = lone("near", "supercykelsti", 1)
    far = lone("far", "lysregulering", 700)
    further = lone("further", "asfaltering", 2000)
    everyone = [owner, further, far, near, same_category, same_tag]
    shown = select(owner, everyone, corpus_stats(everyone), weights=WEIGHTS)
    assert [e.slug for e in shown] == ["same-tag", "same-category", "near", "far"]
    # A shared specific tag is enough to count as similar; the rest fill in as fallback.
    assert [e.reason for e in shown] == ["similar", "fallback", "fallback", "fallback"]


def test_live_pins_come_first_in_the_editors_order() -> None:
    profiles = corpus(30)
    owner = analyse(meta("owner", pins=("a-0007", "missing", "a-0003", "owner"), title="Bolig"))
    stats = corpus_stats([owner, *profiles])
    live = {p.slug: p for p in profiles}
    shown = select(owner, profiles, stats, pinned={s: live[s] for s in owner.pins if s in live})
    assert [e.slug for e in shown[:2]] == ["a-0007", "a-0003"]
    assert [e.reason for e in shown] == ["pinned", "pinned", *[e.reason for e in shown[2:]]]
    assert len(shown) == SHOWN and len({e.slug for e in shown}) == SHOWN
    assert "pinned" not in {e.reason for e in shown[2:]}


@hypothesis_settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_selection_does_not_depend_on_the_order_candidates_come_in(rng: random.Random) -> None:
    profiles = corpus(25)
    stats = corpus_stats(profiles)
    shuffled = list(profiles)
    rng.shuffle(shuffled)
    for owner in profiles[:5]:
        assert select(owner, shuffled, stats) == select(owner, profiles, stats)


class CountingReader:
    """The in-memory postings, with every read and its limit recorded."""

    def __init__(self, profiles: list[Profile]) -> None:
        self.inner = MemoryPostings(profiles)
        self.reads: list[tuple[str, int]] = []

    def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
        self.reads.append((feature, limit))
        return self.inner.postings(feature, limit)

    def around(self, feature: str, published_at: datetime, limit: int) -> list[str]:
        self.reads.append((feature, limit))
        return self.inner.around(feature, published_at, limit)

    def nearest(self, published_at: datetime, limit: int) -> list[str]:
        self.reads.append(("nearest", limit))
        return self.inner.nearest(published_at, limit)


def test_candidate_generation_reads_a_bounded_number_of_bounded_postings() -> None:
    profiles = corpus(400)
    stats = corpus_stats(profiles)
    reader = CountingReader(profiles)
    caps = Caps(query_terms=4, per_term=10, query_tags=3, per_tag=5, per_category=5, pool=15)
    pool = candidate_pool(profiles[0], reader, caps, stats)
    # Terms: one read each; tags and category: newer and older (two reads each).
    assert len(reader.reads) <= caps.query_terms + 2 * (caps.query_tags + 1)
    assert all(limit <= 10 for _, limit in reader.reads)
    assert 0 < len(pool) <= caps.pool and profiles[0].slug not in pool


def test_an_article_with_nothing_in_common_gets_the_nearest_in_time() -> None:
    profiles = corpus(20)
    loner = analyse(meta("loner", title="Xylofon", category="Ukendt", tags=["Zz"], hours_ago=10))
    everyone = [*profiles, loner]
    reader = CountingReader(everyone)
    pool = candidate_pool(loner, reader, caps_for(21), corpus_stats(everyone))
    assert ("nearest", SHOWN + 1) in reader.reads and len(pool) >= SHOWN
    nearest = sorted(profiles, key=lambda p: abs(p.published_at - loner.published_at))
    assert set(pool) >= {p.slug for p in nearest[:2]}


def test_memory_postings_read_around_an_articles_time() -> None:
    profiles = [article(f"b{i}", "bolig", hours_ago=i * 10) for i in range(10)]
    reader = MemoryPostings(profiles)
    middle = profiles[5].published_at
    around = reader.around("c:bolig", middle, 2)
    # Newer ones nearest first, then the article's own time and older.
    assert around == ["b4", "b3", "b5", "b6"]
    assert reader.nearest(middle + timedelta(minutes=1), 1) == ["b4", "b5"]


def test_caps_grow_at_most_with_the_square_root_of_the_corpus() -> None:
    small, large = caps_for(1_000), caps_for(10_000)
    assert large.per_term <= small.per_term * math.sqrt(10)
    assert large.pool <= small.pool * math.sqrt(10)
    assert caps_for(10**9) == caps_for(10**8)  # a hard ceiling


def test_liveness_is_one_predicate() -> None:
    assert is_live({"slug": "a"}) and is_live({"slug": "a", "status": "published"})
    assert not is_live(None)
    assert not is_live({"slug": "a", "status": "scheduled"})
    assert not is_live({"slug": "a", "status": "draft"})


def test_scores_use_the_statistics_of_the_moment() -> None:
    a, b = article("a", "bolig"), article("b", "bolig")
    sparse = Stats(2, {})
    crowded = Stats(1000, dict.fromkeys(a.features, 900))
    before = (a.model_copy(deep=True), b.model_copy(deep=True))
    assert score(a, b, crowded) < score(a, b, sparse)
    assert (a, b) == before  # the statistics live in the selection, never in a profile


@hypothesis_settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 12))
def test_the_score_is_the_sum_the_explanation_shows_and_is_symmetric(seed: int, size: int) -> None:
    """`signals` sums shared terms without sorting them (settles score N² pairs); `explain`'s
    sorted `shared_terms` must add up to the same, and repeated specificities must not drift."""
    profiles = corpus(size, seed)
    stats = corpus_stats(profiles)
    a, b = profiles[0], profiles[-1]
    found = signals(a, b, stats)
    shown = math.fsum(value for _, value in shared_terms(a, b, stats))
    assert found.text == round(shown, DIGITS)
    assert found == signals(b, a, stats)
    fresh = Stats(stats.documents, stats.frequencies)
    assert [fresh.specificity(f) for f in a.features] == [stats.specificity(f) for f in a.features]
