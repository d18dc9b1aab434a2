"""Search ranking on an in-memory index: the analysis, the title bonus, ties, the bounds."""

from __future__ import annotations

from collections.abc import Iterable

from newsdesk.logic import search as engine
from newsdesk.models import Teaser

from tests.factories import make_article

TEASERS = {
    "titel": make_article("titel", hours_ago=48, title="Boligforeningen holder møde").teaser(),
    "broed": make_article("broed", hours_ago=1, title="Nyt fra kommunen").teaser(),
    "gammel": make_article("gammel", hours_ago=30, title="Vejarbejde på ringvejen").teaser(),
    "ny": make_article("ny", hours_ago=2, title="Vejarbejde på ringvejen").teaser(),
}
# The body hit weighs more than the title hit: the title bonus must still win.
POSTINGS = {
    "boligforening": [("broed", 0.9), ("titel", 0.4)],
    "vejarbejd": [("gammel", 0.5), ("ny", 0.5)],
    "ringvej": [("ny", 0.3), ("gammel", 0.3), ("forsvundet", 0.9)],
}
TAGS = {"parkering": [("gammel", 1.0)], "grønne områder": [("broed", 1.0)]}


class Index:
    """The three reads search makes, answered from memory, with the calls counted."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def postings(self, stem: str, limit: int) -> list[tuple[str, float]]:
        self.calls.append(f"postings:{stem}")
        return POSTINGS.get(stem, [])[:limit]

    def tags(self, label: str, limit: int) -> list[tuple[str, float]]:
        self.calls.append(f"tag:{label}")
        return TAGS.get(label, [])[:limit]

    def statistics(self, stems: Iterable[str], labels: Iterable[str]) -> tuple[int, dict[str, int]]:
        self.calls.append("statistics")
        frequencies = {f"w:{s}": len(POSTINGS.get(s, [])) for s in stems}
        return 100, frequencies | {f"t:{label}": len(TAGS.get(label, [])) for label in labels}

    def teasers(self, slugs: Iterable[str]) -> dict[str, Teaser]:
        wanted = list(slugs)
        self.calls.append(f"teasers:{len(wanted)}")
        return {s: TEASERS[s] for s in wanted if s in TEASERS}

    def search(self, query: str) -> list[str]:
        hits = engine.search(
            engine.analyse_query(query),
            term_postings=self.postings,
            tag_postings=self.tags,
            statistics=self.statistics,
            teasers=self.teasers,
        )
        return [h.teaser.slug for h in hits]


def test_queries_use_the_related_analysis_and_name_tags() -> None:
    query = engine.analyse_query("Boligforeningerne og boligforeningen")
    assert query.terms == ("boligforening",)
    assert query.tags == (
        "boligforeningerne og boligforeningen",
        "boligforeningerne",
        "boligforeningen",
    )
    assert engine.analyse_query("S-tog, sporarbejde!").tags == (
        "s-tog sporarbejde",
        "s-tog",
        "sporarbejde",
    )
    assert engine.analyse_query("og i på det som") == engine.Query((), ())
    many = engine.analyse_query(" ".join(f"ord{chr(97 + i)}x" for i in range(20)))
    assert len(many.terms) == len(many.tags) == engine.MAX_TERMS


def test_a_title_hit_outranks_a_stronger_body_hit() -> None:
    assert Index().search("boligforeningerne") == ["titel", "broed"]


def test_equal_relevance_favours_the_newer_article_and_unpublished_drop_out() -> None:
    assert Index().search("vejarbejdet ringvejen") == ["ny", "gammel"]


def test_a_tag_counts_like_a_title_word() -> None:
    assert Index().search("ringvejen parkering") == ["gammel", "ny"]
    assert Index().search("Grønne områder") == ["broed"]


def test_stopwords_alone_cost_nothing() -> None:
    index = Index()
    assert index.search("og i på") == []
    assert index.calls == []


def test_work_is_bounded_by_the_query_not_the_corpus() -> None:
    index = Index()
    index.search("vejarbejdet på ringvejen i Ballerup")
    assert index.calls == [
        "statistics",
        "postings:vejarbejd",
        "postings:ringvej",
        "postings:ballerup",
        "tag:vejarbejdet på ringvejen i ballerup",
        "tag:vejarbejdet",
        "tag:ringvejen",
        "tag:ballerup",
        "teasers:3",
    ]


def test_idf_is_positive_and_falls_with_frequency() -> None:
    assert engine.idf(1, 1000) > engine.idf(100, 1000) > engine.idf(1000, 1000) > 0
