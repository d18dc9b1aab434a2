"""Quality on the sample content: the inclusion article gets the editors' four related teasers.

The sample corpus (`content`) holds the article, its four real related articles and 21
distractors that share its category or its town but not its topic, seven of them newer.
Articles are parsed by the publisher's parser and stored with its item builder.
"""

from __future__ import annotations

from typing import Any

import pytest
from newsdesk.config import settings
from newsdesk.dal import related as store
from newsdesk.logic.related.recompute import recompute
from newsdesk.logic.related.scoring import WEIGHTS

from infra.bench.related import (
    MAIN_SLUG,
    Newsroom,
    evaluate_quality,
    expected_related,
    sample_articles,
)
from tests.factories import store_article


@pytest.fixture
def newsroom(aws: dict[str, Any]) -> Newsroom:
    return Newsroom(settings().table_name)


def test_sample_corpus_has_the_expected_shape() -> None:
    articles = {a.slug: a for a in sample_articles()}
    expected = expected_related()[MAIN_SLUG]
    main = articles[MAIN_SLUG]
    assert len(expected) == 4 and set(expected) <= set(articles)
    assert any(articles[s].category != main.category for s in expected)
    newer = [a for a in articles.values() if a.published_at > main.published_at]
    assert len(newer) >= 5


def test_publishing_the_sample_article_shows_the_editors_four(newsroom: Newsroom) -> None:
    articles = sample_articles()
    # The rest of the corpus exists already (bulk path), the article arrives through the stream.
    for article in articles:
        if article.slug != MAIN_SLUG:
            store_article(article)
    assert recompute()["phase"] == "done"
    main = next(a for a in articles if a.slug == MAIN_SLUG)
    newsroom.publish(main)
    assert newsroom.deliver() == [{"batchItemFailures": []}]

    quality = evaluate_quality(newsroom)
    assert quality.precision == 1.0, quality.ranking
    assert sorted(quality.shown) == sorted(quality.expected)
    # Newest in the same category (the naive baseline) gets most of them wrong.
    assert quality.baseline_precision <= 0.25
    # The threshold separates: every shown teaser clears it, no distractor comes close to
    # the weakest right answer.
    scores = dict(quality.ranking)
    weakest_right = min(scores[s] for s in quality.expected)
    distractors = [v for s, v in quality.ranking if s not in quality.expected]
    assert weakest_right >= WEIGHTS.threshold
    assert all(v < weakest_right for v in distractors)
    # Publishing inserted the article into the lists of its related articles.
    for slug in quality.expected:
        state = store.load_state(slug)
        assert state.candidates is not None
        assert MAIN_SLUG in [e.slug for e in state.candidates.entries]
