"""Danish text analysis, weighting, scoring and candidate generation (pure functions)."""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from newsdesk.dal.articles import article_items
from newsdesk.logic.related.candidates import Caps, candidate_pool, caps_for
from newsdesk.logic.related.profile import analyse, idf, posting_features, weigh
from newsdesk.logic.related.recompute import MemoryPostings
from newsdesk.logic.related.scoring import KEPT, WEIGHTS, score, top
from newsdesk.logic.related.text import html_to_text, stems, stopwords, words

from tests.factories import make_article

DANISH_TEXT = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzæøåÆØÅéü -.,!?\n0123456789")),
    max_size=200,
)


def meta(slug: str, **fields: object) -> dict[str, object]:
    """The META item the publisher stores for an article (text only where a test gives it)."""
    values: dict[str, object] = {"subtitle": None, "summary": None, "body_html": ""}
    values.update(fields)
    return article_items(make_article(slug, **values), source_key=f"articles/{slug}.md")[0]


def test_words_are_nfc_lowercase_and_keep_danish_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Åen løber FORBI Ærø")
    assert decomposed != "Åen løber FORBI Ærø"
    assert list(words(decomposed)) == ["åen", "løber", "forbi", "ærø"]
    assert list(words("S-tog 2026: i_dag")) == ["tog", "dag"]


def test_stopwords_come_from_the_package_and_are_removed() -> None:
    assert {"og", "at", "det", "som", "på", "også"} <= stopwords()
    assert stems("Og det er fællesskabet i gården, som bærer") == ["fællesskab", "gård", "bær"]


def test_snowball_danish_stems_join_inflections() -> None:
    assert len({*stems("boligforening boligforeninger boligforeningerne")}) == 1
    assert stems("Fællesskaber")[0] == stems("fællesskab")[0]


def test_html_to_text_keeps_words_apart_and_decodes_entities() -> None:
    html = "<h2>Grønne&nbsp;områder</h2><p>Mødested<br>for <em>alle</em> &amp; enhver</p>"
    assert html_to_text(html) == "Grønne områder Mødested for alle & enhver"


@given(DANISH_TEXT)
def test_words_are_always_normalised_letters(text: str) -> None:
    for word in words(text):
        assert word == unicodedata.normalize("NFC", word).lower()
        assert word.isalpha() and len(word) >= 2


@given(DANISH_TEXT)
def test_stems_never_contain_stopwords_or_fragments(text: str) -> None:
    for stem in stems(text):
        assert len(stem) >= 2 and stem.isalpha()


def test_tags_and_category_compare_as_exact_normalised_values() -> None:
    analysis = analyse(meta("a", tags=["Fællesskab ", "FÆLLESSKAB", "Grønne  områder"]))
    assert analysis.tags == ("fællesskab", "grønne områder")
    assert analyse(meta("b", category=" bolig")).category == "bolig"


def test_idf_discounts_what_every_article_shares() -> None:
    assert idf(100, 100) < 0.01 < idf(50, 100) < idf(2, 100)
    analysis = analyse(
        meta(
            "a",
            title="Ballerup fejrer haveforeningen",
            body_html="<p>Ballerup Ballerup Ballerup haveforening</p>",
        )
    )
    profile = weigh(analysis, {"w:ballerup": 100, "w:haveforening": 3, "w:fejr": 20}, 100)
    assert profile.terms["haveforening"] > profile.terms.get("ballerup", 0.0) * 10


def test_profiles_are_unit_length_and_scores_symmetric_and_bounded() -> None:
    one = weigh(analyse(meta("a", title="Fællesskab i gården")), {}, 10)
    two = weigh(analyse(meta("b", title="Gården samler fællesskab", category="Livet")), {}, 10)
    assert math.isclose(sum(w * w for w in one.terms.values()), 1.0, abs_tol=1e-4)
    assert score(one, two) == score(two, one)
    assert 0 < score(one, two) <= 1
    assert score(one, one) >= WEIGHTS.text + WEIGHTS.tags + WEIGHTS.category - 1e-3


def test_category_alone_never_reaches_the_threshold() -> None:
    one = weigh(analyse(meta("a", title="Fodbold", tags=["Sport"])), {}, 10)
    two = weigh(analyse(meta("b", title="Tagrenovering", tags=["Renovering"])), {}, 10)
    assert score(one, two) == WEIGHTS.category < WEIGHTS.threshold
    assert top(one, [two]) == []


def test_candidate_generation_reads_bounded_postings() -> None:
    """However large the corpus, one list costs a bounded number of bounded reads."""
    profiles = [
        weigh(
            analyse(
                meta(
                    f"a-{i}",
                    title=f"Fællesskab og naboskab nummer {i}",
                    tags=["Fællesskab", f"Tag {i % 7}"],
                    published_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            ),
            {},
            300,
        )
        for i in range(300)
    ]
    postings = MemoryPostings(profiles)
    reads: list[tuple[str, int]] = []

    class Recording:
        def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
            reads.append((feature, limit))
            return postings.postings(feature, limit)

    caps = Caps(query_terms=4, per_term=10, per_tag=10, per_category=5, pool=15)
    pool = candidate_pool(profiles[0], Recording(), caps)
    assert len(reads) <= caps.query_terms + len(profiles[0].tags) + 1
    assert all(limit <= 10 for _, limit in reads)
    assert 0 < len(pool) <= caps.pool and profiles[0].slug not in pool
    assert len(posting_features(profiles[0])) <= 24 + len(profiles[0].tags) + 1


def test_caps_grow_at_most_with_the_square_root_of_the_corpus() -> None:
    small, large = caps_for(100), caps_for(10_000)
    assert large.per_term <= small.per_term * math.sqrt(100)
    assert caps_for(10**9).per_term == caps_for(10**8).per_term  # a hard ceiling
    assert KEPT >= 4
