"""Related lists editors can trust, through the real handler with stream records in moto.

Always four teasers once four other live articles exist; editors' pins first and in order,
coming back by themselves when they go live; the same lists whatever the upload order; never
a teaser for an article that is not live.
"""

from __future__ import annotations

import random
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from moto import mock_aws
from newsdesk.config import settings
from newsdesk.dal import clients
from newsdesk.dal import related as store
from newsdesk.dal.articles import get_article
from newsdesk.logic.related.maintenance import SMALL_CORPUS
from newsdesk.logic.related.recompute import recompute
from newsdesk.models import Article
from newsdesk.related_records import SHOWN

from infra.bench.related import Newsroom, synthetic_articles
from infra.template.reading import create_table_request
from tests.factories import store_article
from tests.integration.test_related import CLUSTER, DISTRACTORS, community, publish


@pytest.fixture
def newsroom(aws: dict[str, Any]) -> Newsroom:
    return Newsroom(settings().table_name)


def page(slug: str) -> list[tuple[str, str]]:
    """(slug, reason) of the teasers the API serves for `slug`."""
    article = get_article(slug)
    assert article is not None, slug
    return [(t.slug, t.reason) for t in article.related]


def slugs(slug: str) -> list[str]:
    return [s for s, _ in page(slug)]


def large_corpus(newsroom: Newsroom, size: int = SMALL_CORPUS + 16) -> list[Article]:
    """A corpus above the small-corpus size, bulk-loaded and recomputed (the bulk path)."""
    articles = synthetic_articles(size, seed=11)
    for article in articles:
        store_article(article)
    assert recompute()["phase"] == "done"
    return articles


def test_every_page_shows_four_in_a_small_corpus(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS[:2], CLUSTER[0])
    assert len(slugs(CLUSTER[0].slug)) == 2  # only two others exist
    publish(newsroom, *DISTRACTORS[2:], CLUSTER[1], CLUSTER[2])
    everyone = [*DISTRACTORS, *CLUSTER[:3]]
    for article in everyone:
        shown = slugs(article.slug)
        assert len(shown) == SHOWN == len(set(shown)) and article.slug not in shown
    # The unrelated articles fill the boxes as fallback, after the similar ones.
    assert {r for _, r in page("derby")} <= {"similar", "fallback"}
    assert [r for _, r in page(CLUSTER[0].slug)][:2] == ["similar", "similar"]


def test_every_page_shows_four_in_a_large_corpus(newsroom: Newsroom) -> None:
    articles = large_corpus(newsroom)
    extra = synthetic_articles(len(articles) + 6, seed=11)[len(articles) :]
    publish(newsroom, *extra)
    newsroom.unpublish(articles[3].slug)
    newsroom.deliver()
    live = {a.slug for a in (*articles, *extra)} - {articles[3].slug}
    for slug in sorted(live):
        shown = slugs(slug)
        assert len(shown) == SHOWN == len(set(shown)), slug
        assert slug not in shown and set(shown) <= live


def test_pins_come_first_in_order_and_missing_ones_are_skipped(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER[:4])
    owner = community("beboermoede", "Beboermøde i fælleshuset", hours_ago=2)
    newsroom.publish(owner, pins=("derby", "findes-ikke", "vejarbejde"))
    newsroom.deliver()
    assert page(owner.slug)[:2] == [("derby", "pinned"), ("vejarbejde", "pinned")]
    assert {r for _, r in page(owner.slug)[2:]} == {"similar"}
    assert len(slugs(owner.slug)) == SHOWN


def test_a_pin_comes_back_when_its_article_goes_live_and_follows_edits(
    newsroom: Newsroom,
) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER[:4])
    owner = community("beboermoede", "Beboermøde i fælleshuset", hours_ago=2)
    newsroom.publish(owner, pins=("lektiecafe",))
    newsroom.deliver()
    assert "lektiecafe" not in slugs(owner.slug)
    # Scheduled (stored, not live): still not shown, anywhere.
    newsroom.publish(CLUSTER[6], status="scheduled")
    newsroom.deliver()
    assert "lektiecafe" not in slugs(owner.slug)
    publish(newsroom, CLUSTER[6])
    assert page(owner.slug)[0] == ("lektiecafe", "pinned")
    publish(newsroom, CLUSTER[6].model_copy(update={"title": "Lektiecafé hver onsdag"}))
    article = get_article(owner.slug)
    assert article is not None and article.related[0].title == "Lektiecafé hver onsdag"
    newsroom.unpublish("lektiecafe")
    newsroom.deliver()
    assert "lektiecafe" not in slugs(owner.slug) and len(slugs(owner.slug)) == SHOWN
    publish(newsroom, CLUSTER[6])
    assert page(owner.slug)[0] == ("lektiecafe", "pinned")


def test_pins_work_the_same_in_a_large_corpus(newsroom: Newsroom) -> None:
    articles = large_corpus(newsroom)
    owner = community("beboermoede", "Beboermøde i fælleshuset", hours_ago=2)
    newsroom.publish(owner, pins=(articles[5].slug, "kommer-senere", articles[9].slug))
    newsroom.deliver()
    assert page(owner.slug)[:2] == [(articles[5].slug, "pinned"), (articles[9].slug, "pinned")]
    later = community("kommer-senere", "Kommer senere", hours_ago=1)
    publish(newsroom, later)
    assert [s for s, r in page(owner.slug) if r == "pinned"] == [
        articles[5].slug,
        "kommer-senere",
        articles[9].slug,
    ]
    newsroom.unpublish(articles[5].slug)
    newsroom.deliver()
    assert articles[5].slug not in slugs(owner.slug) and len(slugs(owner.slug)) == SHOWN


def test_no_teaser_points_at_a_scheduled_or_deleted_article(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER[:4])
    newsroom.publish(CLUSTER[4], status="scheduled")
    newsroom.deliver()
    newsroom.unpublish(CLUSTER[0].slug)
    newsroom.deliver()
    live = {a.slug for a in (*DISTRACTORS, *CLUSTER[1:4])}
    for slug in live:
        assert set(slugs(slug)) <= live - {slug}
    assert store.load_state(CLUSTER[4].slug).profile is None
    assert store.load_state(CLUSTER[0].slug).candidates is None


def settled_lists(order: list[Article], pins: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Publish `order` one by one in a fresh table; every page's (slug, reason) list."""
    with mock_aws():
        clients.reset()
        boto3.client("dynamodb").create_table(**create_table_request(settings().table_name))
        newsroom = Newsroom(settings().table_name)
        for article in order:
            newsroom.publish(article, pins=pins.get(article.slug, ()))
            assert all(r == {"batchItemFailures": []} for r in newsroom.deliver())
        lists = {a.slug: page(a.slug) for a in order}
    clients.reset()
    return lists


ORDERED = [*DISTRACTORS, *CLUSTER, community("naboer", "Naboer hjælper naboer", hours_ago=3)]
PINS = {"derby": ("faelleshaven",), "naboer": ("vejarbejde", "lektiecafe")}


@hypothesis_settings(max_examples=4, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_same_corpus_in_any_upload_order_settles_on_the_same_lists(
    rng: random.Random,
) -> None:
    reference = settled_lists(ORDERED, PINS)
    shuffled = list(ORDERED)
    rng.shuffle(shuffled)
    assert settled_lists(shuffled, PINS) == reference
    assert all(len(shown) == SHOWN for shown in reference.values())


def test_explain_command_says_why_each_teaser_is_there(
    newsroom: Newsroom, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.ops.related_explain import main

    publish(newsroom, *DISTRACTORS, *CLUSTER[:4])
    owner = community("beboermoede", "Beboermøde i fælleshuset", hours_ago=2)
    newsroom.publish(owner, pins=("derby",))
    newsroom.deliver()
    assert main(["--env", "beboermoede"]) == 0
    output = capsys.readouterr().out
    assert "1. derby" in output and "(pinned)" in output and "(similar)" in output
    assert "stærkeste fælles ord: fælles" in output or "fællesskab" in output
    assert "fælles tags:" in output and "boligforeninger" in output
    assert main(["--env", "findes-ikke"]) == 0
    assert "Ingen udgivet artikel" in capsys.readouterr().out
    assert main(["beboermoede", "--state", "does-not-exist.json"]) == 2
