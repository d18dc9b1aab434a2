"""Related lists kept current through the real handler, fed stream records as DynamoDB sends them.

Articles are stored with the publisher's own item builder; each change produces the INSERT,
MODIFY or REMOVE records (typed JSON, old and new images) that the template's filter lets
through to the function.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from moto import mock_aws
from newsdesk.config import settings
from newsdesk.dal import clients, keys
from newsdesk.dal import related as store
from newsdesk.dal.articles import get_article
from newsdesk.dal.codec import from_dynamo, to_dynamo
from newsdesk.logic.related.recompute import recompute
from newsdesk.models import Article, Teaser
from newsdesk.related_records import SHOWN

from infra.bench.related import CallCounter, Newsroom, related_trigger, trigger_filters
from infra.local import patterns
from infra.template.reading import create_table_request, handler_path, load_template
from tests.factories import make_article

COMMUNITY = (
    "Naboerne i boligforeningen mødes til fællesspisning i beboerhuset. Fællesskabet i "
    "boligområdet vokser, når beboerne inviterer nye naboer med. Frivillige beboere "
    "arrangerer gårdfest, lektiecafé og fælleshave, så alle føler sig velkomne i Ballerup."
)
TRAFFIC = (
    "Vejarbejdet på ringvejen giver kø og omkørsel for bilister og busser. Kommunen lægger "
    "ny asfalt, og cyklister skal bruge en midlertidig cykelsti forbi krydset i Ballerup."
)
FOOTBALL = (
    "Fodboldholdet vandt derbyet på et mål i sidste minut. Træneren roste forsvaret, og "
    "tilskuerne på stadion i Ballerup jublede over sejren og oprykningen."
)


def community(slug: str, title: str, *, hours_ago: int, extra: str = "", **fields: Any) -> Article:
    """An article about community in housing areas (the topic the lists should group)."""
    values: dict[str, Any] = {
        "title": title,
        "subtitle": "Fællesskab blandt naboer i boligområdet",
        "summary": "Beboere og boligforeningen skaber fællesskab.",
        "tags": ["Fællesskab", "Boligforeninger", "Ballerup"],
        "category": "Bolig",
        "body_html": f"<p>{COMMUNITY} {extra}</p>",
    }
    values.update(fields)
    return make_article(slug, hours_ago=hours_ago, **values)


def other(slug: str, title: str, text: str, *, hours_ago: int, category: str) -> Article:
    """An article on another topic that still shares the town (and maybe the category)."""
    return make_article(
        slug,
        hours_ago=hours_ago,
        title=title,
        subtitle=None,
        summary=None,
        category=category,
        tags=["Ballerup", category],
        body_html=f"<p>{text}</p>",
    )


CLUSTER = [
    community(
        "faellesspisning",
        "Fællesspisning samler naboerne",
        hours_ago=90,
        extra="Hver fredag laver beboerne mad sammen i fælleshuset.",
    ),
    community(
        "nyt-beboerhus",
        "Nyt beboerhus styrker fællesskabet",
        hours_ago=80,
        extra="Beboerhuset får køkken, værksted og plads til fællesspisning.",
    ),
    community(
        "frivillige-naboer",
        "Frivillige naboer skaber liv",
        hours_ago=70,
        extra="De frivillige i boligforeningen hjælper nye naboer til rette.",
    ),
    community(
        "gaardfest",
        "Gårdfest for hele boligområdet",
        hours_ago=60,
        extra="Gårdfesten samler naboer, børn og ældre beboere om musik og mad.",
    ),
    community(
        "faelleshaven",
        "Fælleshaven giver naboskab",
        hours_ago=55,
        extra="I fælleshaven dyrker beboerne grøntsager og mødes over bedene.",
    ),
    community(
        "velkommen-til-nye-beboere",
        "Velkommen til nye beboere",
        hours_ago=52,
        extra="Boligforeningen inviterer nye beboere til kaffe med naboerne.",
    ),
    community(
        "lektiecafe",
        "Lektiecafé for unge beboere",
        hours_ago=50,
        category="Livet",
        tags=["Fællesskab", "Unge"],
        extra="Unge beboere får hjælp til lektier af frivillige naboer.",
    ),
]
DISTRACTORS = [
    other("vejarbejde", "Vejarbejde på ringvejen", TRAFFIC, hours_ago=5, category="Trafik"),
    other("derby", "Sejr i derbyet", FOOTBALL, hours_ago=4, category="Sport"),
    other("nye-tage", "Nye tage på blokkene", TRAFFIC, hours_ago=3, category="Bolig"),
]


@pytest.fixture
def newsroom(aws: dict[str, Any]) -> Newsroom:
    return Newsroom(settings().table_name)


def publish(newsroom: Newsroom, *articles: Article) -> list[dict[str, Any]]:
    responses: list[dict[str, Any]] = []
    for article in articles:
        newsroom.publish(article)
        responses += newsroom.deliver()
    return responses


def shown(slug: str) -> list[str]:
    """The related teasers the API serves for `slug`."""
    page = get_article(slug)
    assert page is not None
    return [teaser.slug for teaser in page.related]


def kept(slug: str) -> list[str]:
    state = store.load_state(slug)
    return [e.slug for e in state.candidates.entries] if state.candidates else []


def related_items() -> dict[tuple[str, str], dict[str, Any]]:
    """Every item the related engine owns (everything but the publisher's)."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    request: dict[str, Any] = {"TableName": settings().table_name}
    while True:
        response = clients.dynamodb().scan(**request)
        for item in map(from_dynamo, response["Items"]):
            if item["SK"] != keys.ARTICLE_SK and not item["SK"].startswith(keys.TAG_SK_PREFIX):
                items[(item["PK"], item["SK"])] = item
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def without_markers(items: dict[tuple[str, str], dict[str, Any]]) -> dict[Any, Any]:
    """Related state minus the idempotency markers and recompute checkpoint."""
    return {
        key: {k: v for k, v in item.items() if k != "version"}
        for key, item in items.items()
        if not key[0].startswith((store.APPLIED_PREFIX, store.JOB_KEY))
    }


def test_template_wires_the_stream_trigger_with_failure_handling() -> None:
    function = next(
        props
        for props in (r["Properties"] for r in load_template()["Resources"].values())
        if props.get("Handler") == "newsdesk.handlers.related.handler"
    )
    assert handler_path("RelatedFunction") == "newsdesk.handlers.related.handler"
    trigger = related_trigger()
    assert trigger["BisectBatchOnFunctionError"] is True
    assert "ReportBatchItemFailures" in trigger["FunctionResponseTypes"]
    assert trigger["DestinationConfig"]["OnFailure"]["Destination"]
    assert function["Policies"]


def test_filter_passes_article_changes_and_drops_every_own_write(newsroom: Newsroom) -> None:
    publish(newsroom, *CLUSTER[:3])
    newsroom.publish(CLUSTER[0].model_copy(update={"title": "Ny titel"}))
    newsroom.unpublish(CLUSTER[1].slug)
    filters = trigger_filters()
    article_records = [r for r in newsroom.pending if r["dynamodb"]["Keys"]["SK"]["S"] == "A#META"]
    assert {r["eventName"] for r in article_records} == {"MODIFY", "REMOVE"}
    assert all(patterns.matches_any(filters, r) for r in article_records)
    # Every item the function wrote, as the stream would report it, is filtered out.
    own = [
        newsroom_record(newsroom, item)
        for item in related_items().values()
        if not item["PK"].startswith(store.APPLIED_PREFIX)
    ]
    assert own and not any(patterns.matches_any(filters, record) for record in own)
    assert any(r["dynamodb"]["Keys"]["SK"]["S"] == keys.RELATED_SK for r in own)


def newsroom_record(newsroom: Newsroom, item: dict[str, Any]) -> dict[str, Any]:
    from infra.bench.related import stream_record

    return stream_record("INSERT", item, None, 1, newsroom.table)


def test_publish_groups_by_topic_not_by_town_or_category(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER)
    lists = {article.slug: shown(article.slug) for article in CLUSTER}
    for slug, related in lists.items():
        assert slug not in related
        assert related and set(related) <= {a.slug for a in CLUSTER}, related
    assert len(lists["faellesspisning"]) == SHOWN
    # The other-category article on the same topic gets its topic, not its category.
    # A page with nothing similar is still filled, and says so.
    page = get_article("derby")
    assert page is not None and len(page.related) == SHOWN
    assert all(t.reason == "fallback" for t in page.related if t.slug in {a.slug for a in CLUSTER})


def test_publish_enters_the_lists_it_belongs_in(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER[:4])
    newcomer = community(
        "naboskab-i-opgangen",
        "Naboskab og fællesskab i opgangen",
        hours_ago=1,
        extra="Fællesspisning i beboerhuset samler naboerne i boligforeningen.",
    )
    publish(newsroom, newcomer)
    holders = [a.slug for a in CLUSTER[:4] if newcomer.slug in shown(a.slug)]
    assert holders
    for slug in holders:
        page = get_article(slug)
        assert page is not None
        assert {t.reason for t in page.related if t.slug == newcomer.slug} == {"similar"}
    state = store.load_state(newcomer.slug)
    assert set(state.referrers) == {
        a.slug for a in (*CLUSTER[:4], *DISTRACTORS) if newcomer.slug in kept(a.slug)
    }


def test_edit_refreshes_every_teaser_copy_and_its_own_list(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER)
    recompute()  # every profile weighted with today's statistics, so only the edit moves scores
    old_title = CLUSTER[3].title
    assert any("gaardfest" in shown(a.slug) for a in CLUSTER)
    edited = CLUSTER[3].model_copy(update={"title": "Stor gårdfest for hele boligområdet"})
    records = publish(newsroom, edited)
    assert records == [{"batchItemFailures": []}]
    holders = [a.slug for a in CLUSTER if "gaardfest" in kept(a.slug)]
    assert holders
    for slug in holders:
        state = store.load_state(slug)
        assert state.candidates is not None
        copies = [e.teaser.title for e in state.candidates.entries if e.slug == "gaardfest"]
        assert copies == ["Stor gårdfest for hele boligområdet"]
    shown_copies = [
        teaser.title
        for a in CLUSTER
        if (page := get_article(a.slug)) is not None
        for teaser in page.related
        if teaser.slug == "gaardfest"
    ]
    assert shown_copies and set(shown_copies) == {"Stor gårdfest for hele boligområdet"}
    assert old_title not in str(related_items())
    assert set(shown("gaardfest")) <= {a.slug for a in CLUSTER} and shown("gaardfest")


def test_edit_that_changes_topic_leaves_lists_it_no_longer_fits(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER)
    assert "gaardfest" in kept("faellesspisning")
    moved = other("gaardfest", "Fodboldfest på stadion", FOOTBALL, hours_ago=60, category="Sport")
    publish(newsroom, moved)
    assert "gaardfest" not in kept("faellesspisning")
    assert "gaardfest" in kept("derby")
    assert len(shown("faellesspisning")) == SHOWN


def test_unpublish_removes_it_everywhere_and_backfills(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER)
    holders = [a.slug for a in CLUSTER if "nyt-beboerhus" in kept(a.slug)]
    assert holders
    newsroom.unpublish("nyt-beboerhus")
    assert [r["eventName"] for r in newsroom.pending if "OldImage" in r["dynamodb"]]
    newsroom.deliver()
    assert get_article("nyt-beboerhus") is None
    for slug in holders:
        assert "nyt-beboerhus" not in kept(slug)
        assert "nyt-beboerhus" not in shown(slug)
    for (pk, sk), item in related_items().items():
        assert "nyt-beboerhus" not in str(item.get("teasers", "")) + str(item.get("entries", ""))
        assert pk != keys.article_pk("nyt-beboerhus") or sk.startswith(store.MAINTENANCE_PREFIX)
        assert not sk.endswith("#nyt-beboerhus")
    # The remaining cluster members still show a full box: backfilled from kept candidates.
    assert all(len(shown(a.slug)) == SHOWN for a in CLUSTER if a.slug != "nyt-beboerhus")


def test_a_corpus_of_fewer_than_five_shows_every_other_article(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER[:2])
    assert shown("faellesspisning")[0] == "nyt-beboerhus"
    assert len(shown("faellesspisning")) == SHOWN
    newsroom.unpublish("nyt-beboerhus")
    newsroom.deliver()
    assert sorted(shown("faellesspisning")) == sorted(a.slug for a in DISTRACTORS)
    page = get_article("faellesspisning")
    assert page is not None and {t.reason for t in page.related} == {"fallback"}


def test_duplicates_and_stale_records_change_nothing(newsroom: Newsroom) -> None:
    publish(newsroom, *CLUSTER[:3])
    newsroom.publish(CLUSTER[0].model_copy(update={"title": "Fællesspisning hver fredag"}))
    batch = list(newsroom.pending)
    newsroom.deliver()
    settled = without_markers(related_items())
    # The same batch again (a redelivery), then the records in reverse order: no change.
    newsroom.pending = batch + list(reversed(batch))
    responses = newsroom.deliver()
    assert all(r == {"batchItemFailures": []} for r in responses)
    assert without_markers(related_items()) == settled
    # A stale INSERT replayed after an unpublish does not bring the article back.
    first_insert = next(r for r in batch if r["eventName"] == "MODIFY")
    newsroom.unpublish(CLUSTER[0].slug)
    newsroom.deliver()
    newsroom.pending = [first_insert]
    newsroom.deliver()
    assert all(CLUSTER[0].slug not in kept(a.slug) for a in CLUSTER[1:3])
    assert store.load_state(CLUSTER[0].slug).profile is None


def test_frequencies_count_each_article_once(newsroom: Newsroom) -> None:
    publish(newsroom, *CLUSTER[:3])
    batch = list(newsroom.pending)
    assert batch == []
    documents, frequencies = store.get_stats(["w:fællesskab", "t:fællesskab"])
    assert documents == 3
    assert frequencies["t:fællesskab"] == 3
    newsroom.publish(CLUSTER[1])  # unchanged content, new records
    newsroom.pending = newsroom.pending * 2
    newsroom.deliver()
    assert store.get_stats(["t:fællesskab"]) == (3, {"t:fællesskab": 3})
    newsroom.unpublish(CLUSTER[1].slug)
    newsroom.deliver()
    assert store.get_stats(["t:fællesskab"]) == (2, {"t:fællesskab": 2})


def test_a_bad_record_is_reported_alone_and_the_rest_are_processed(newsroom: Newsroom) -> None:
    newsroom.publish(CLUSTER[0])
    newsroom.publish(CLUSTER[1])
    # A corrupt article item (reading time 0 is not a valid teaser) between two good ones.
    broken = dict(newsroom.pending[0]["dynamodb"]["NewImage"])
    broken_item = from_dynamo(broken) | {"PK": keys.article_pk("broken"), "slug": "broken"}
    broken_item["reading_minutes"] = 0
    clients.dynamodb().put_item(TableName=settings().table_name, Item=to_dynamo(broken_item))
    newsroom._record("INSERT", broken_item, None)
    newsroom.publish(CLUSTER[2])
    records = [r for r in newsroom.pending if patterns.matches_any(trigger_filters(), r)]
    bad = next(r for r in records if r["dynamodb"]["Keys"]["PK"]["S"] == keys.article_pk("broken"))
    (response,) = newsroom.deliver(batch_size=10)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]
    }
    assert "nyt-beboerhus" in kept("faellesspisning")
    assert store.load_state("frivillige-naboer").profile is not None


def test_reading_an_article_with_its_related_teasers_is_one_request(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER)
    counter = CallCounter()
    counter.attach(clients.dynamodb())
    page = get_article("faellesspisning")
    assert page is not None and len(page.related) == SHOWN
    assert dict(counter.calls) == {"Query": 1}


def test_full_recompute_is_idempotent_and_resumable(newsroom: Newsroom) -> None:
    publish(newsroom, *DISTRACTORS, *CLUSTER)
    job = recompute(chunk=3)
    assert job["phase"] == "done"
    first = without_markers(related_items())
    assert recompute(chunk=3)["phase"] == "done"
    assert without_markers(related_items()) == first

    class Interrupted(Exception):
        pass

    seen: list[str] = []

    def stop_in_lists(message: str) -> None:
        seen.append(message)
        if message.startswith("lists"):
            raise Interrupted

    with pytest.raises(Interrupted):
        recompute(chunk=3, restart=True, progress=stop_in_lists)
    checkpoint = store.get_job()
    assert checkpoint is not None and checkpoint["phase"] == "lists" and checkpoint["cursor"]
    resumed: list[str] = []
    assert recompute(chunk=3, progress=resumed.append)["phase"] == "done"
    assert not any(m.startswith(("stats", "profiles")) for m in resumed)
    assert without_markers(related_items()) == first
    # Streamed lists and recomputed lists agree on what is shown for the cluster.
    assert all(set(shown(a.slug)) <= {c.slug for c in CLUSTER} for a in CLUSTER)


def test_recompute_command_runs_against_the_configured_table(
    newsroom: Newsroom, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.ops.related_recompute import main

    publish(newsroom, *CLUSTER[:3])
    assert main(["--chunk", "2"]) == 0
    output = capsys.readouterr().out
    assert '"phase": "done"' in output and "profiles: up to" in output
    assert main(["--local", "--state", "does-not-exist.json"]) == 2


def assert_invariants(published: dict[str, Article]) -> None:
    """What readers may rely on, whatever happened before."""
    items = related_items()
    lists = {
        pk.removeprefix(keys.ARTICLE_PREFIX): store.load_state(pk.removeprefix(keys.ARTICLE_PREFIX))
        for pk, sk in items
        if sk == store.CANDIDATES_SK
    }
    assert set(lists) == set(published)
    refby = {(pk, sk) for pk, sk in items if sk.startswith(store.REFBY_PREFIX)}
    expected_refby = set()
    for owner, state in lists.items():
        assert state.candidates is not None
        for entry in state.candidates.entries:
            # Never an unpublished article, never a stale teaser.
            assert entry.slug in published and entry.slug != owner
            assert entry.teaser == published[entry.slug].teaser()
            expected_refby.add((keys.article_pk(entry.slug), store.REFBY_PREFIX + owner))
        # Always four when there are four others to show; never the same one twice.
        slugs = [e.slug for e in state.candidates.entries]
        assert len(slugs) == min(SHOWN, len(published) - 1) == len(set(slugs))
        page = get_article(owner)
        assert page is not None
        assert [(t.slug, t.reason) for t in page.related] == [
            (e.slug, e.reason) for e in state.candidates.entries
        ]
        copies = [Teaser.model_validate(t.model_dump(exclude={"reason"})) for t in page.related]
        assert copies == [e.teaser for e in state.candidates.entries]
    assert refby == expected_refby


@hypothesis_settings(max_examples=5, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["publish", "edit", "unpublish", "replay"]),
            st.sampled_from([*CLUSTER[:4], *DISTRACTORS[:2]]),
        ),
        min_size=3,
        max_size=8,
    )
)
def test_any_sequence_of_changes_keeps_the_invariants(
    operations: list[tuple[str, Article]],
) -> None:
    with mock_aws():
        clients.reset()
        boto3.client("dynamodb").create_table(**create_table_request(settings().table_name))
        newsroom = Newsroom(settings().table_name)
        published: dict[str, Article] = {}
        delivered: list[dict[str, Any]] = []
        for step, (operation, original) in enumerate(operations):
            article = original
            if operation == "unpublish":
                newsroom.unpublish(article.slug)
                published.pop(article.slug, None)
            elif operation == "replay":
                newsroom.pending = list(reversed(delivered))
            else:
                if operation == "edit":
                    article = original.model_copy(update={"title": f"{original.title} ({step})"})
                newsroom.publish(article)
                published[article.slug] = article
            delivered += newsroom.pending
            assert all(r == {"batchItemFailures": []} for r in newsroom.deliver())
            assert_invariants(published)
    clients.reset()
