"""Label counts under the stream's worst days: replays, reordering, duplicates, poison records.

The records are the table's own stream (read from moto, shaped as Lambda delivers them, through
the template's filter) of real uploads, edits, unpublishes and deletes; the counts must always
be those of the articles that are live now, whatever order and grouping the records arrive in.
"""

from __future__ import annotations

import copy
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models import DynamoDBBackend
from newsdesk.dal import labels as label_store

from tests.integration.stream_tap import Context, StreamTap
from tests.integration.test_publish import Desk, article_file

LABELS = "LabelsFunction"


def label_items(desk: Desk) -> list[tuple[str, str]]:
    """Every membership and counter key in the table."""
    return sorted(k for k in desk.items() if k[0].startswith("LABELS#") or k[1].startswith("N#"))


def counts() -> dict[str, list[tuple[str, int]]]:
    """The counters of every kind, by slug (what the menus show)."""
    return {
        kind: sorted((c.slug, c.articles) for c in label_store.counters(kind))
        for kind in label_store.KINDS
    }


def wipe(desk: Desk) -> None:
    """Forget every count (a fresh start for one replay)."""
    for pk, sk in label_items(desk):
        desk.dynamodb.delete_item(TableName=desk.table, Key={"PK": {"S": pk}, "SK": {"S": sk}})


@pytest.fixture
def history(aws: dict[str, Any]) -> tuple[Desk, list[dict[str, Any]]]:
    """Uploads, edits, an unpublish, deletes and a re-upload; the stream records they made."""
    desk = Desk(aws)
    tap = StreamTap(aws["table"])
    author = {"first_name": "Søren", "last_name": "Ærø"}
    assert desk.upload("articles/a.md", article_file(tags=["Børn", "Leg"]))["status"] == "published"
    desk.upload("articles/b.md", article_file(category="Bolig", tags=["Leg"], author=author))
    desk.upload("articles/a.md", article_file(category="Natur", tags=["Børn"]))
    desk.upload("articles/c.md", article_file(tags=["Trafik"]))
    assert desk.remove("articles/b.md")["status"] == "unpublished"
    assert desk.upload("articles/c.md", article_file(status="draft"))["status"] == "unpublished"
    desk.upload("articles/d.md", article_file(tags=["Fællesskab"]))
    desk.remove("articles/d.md")
    desk.upload("articles/d.md", article_file(tags=["Fællesskab", "Leg"], author=author))
    records = [r for r in tap._new_records() if r["dynamodb"]["Keys"]["SK"]["S"] == "A#META"]
    assert {r["eventName"] for r in records} == {"INSERT", "MODIFY", "REMOVE"}
    return desk, records


EXPECTED = {
    "category": [("bolig", 1), ("natur", 1)],
    "tag": [("boern", 1), ("faellesskab", 1), ("leg", 1)],
    "author": [("asta-petersen", 1), ("soeren-aeroe", 1)],
}


def deliver(batches: list[list[dict[str, Any]]]) -> list[Any]:
    failures: list[Any] = []
    for batch in batches:
        failures += StreamTap.replay(batch, LABELS)["batchItemFailures"]
    return failures


def test_in_order_delivery_counts_the_live_articles(
    history: tuple[Desk, list[dict[str, Any]]],
) -> None:
    _, records = history
    assert deliver([records]) == []
    assert counts() == EXPECTED


def test_reversed_stream_and_remove_before_insert_change_nothing(
    history: tuple[Desk, list[dict[str, Any]]],
) -> None:
    """A late INSERT after its MODIFY, a REMOVE before its INSERT: the article as it is wins."""
    desk, records = history
    assert deliver([list(reversed(records))]) == []
    assert counts() == EXPECTED
    # Every record of the removed b, alone and in any order, leaves it uncounted.
    b_records = [r for r in records if r["dynamodb"]["Keys"]["PK"]["S"] == "ARTICLE#b"]
    assert deliver([[r] for r in b_records]) == []
    assert counts() == EXPECTED
    assert not any(pk == "ARTICLE#b" for pk, _ in label_items(desk))


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_order_grouping_and_duplicates_give_the_live_counts(
    history: tuple[Desk, list[dict[str, Any]]], data: st.DataObject
) -> None:
    desk, records = history
    wipe(desk)
    order = data.draw(st.permutations(range(len(records))), label="order")
    extra = data.draw(st.lists(st.sampled_from(range(len(records))), max_size=8), label="again")
    stream = [records[i] for i in order]
    for index in extra:
        at = data.draw(st.integers(0, len(stream)), label="at")
        stream.insert(at, records[index])
    cuts = sorted(data.draw(st.sets(st.integers(1, len(stream) - 1), max_size=5), label="cuts"))
    bounds = [0, *cuts, len(stream)]
    batches = [stream[a:b] for a, b in itertools.pairwise(bounds)]
    assert deliver(batches) == []
    assert counts() == EXPECTED


@pytest.mark.parametrize(
    "poison",
    [
        pytest.param({"NewImage": {"tags": {"BOGUS": "x"}}}, id="image-of-unknown-type"),
        pytest.param({"NewImage": "garbage"}, id="image-not-a-map"),
        pytest.param({"NewImage": {}, "OldImage": {}}, id="empty-images"),
    ],
)
def test_a_poison_image_neither_fails_nor_miscounts(
    history: tuple[Desk, list[dict[str, Any]]], poison: dict[str, Any]
) -> None:
    """The record still names an article: it is recounted from the table, not the image."""
    _, records = history
    handler = StreamTap.replay  # same path as Lambda: filter, then the template's handler
    bad = copy.deepcopy(records[0])
    bad["dynamodb"] |= poison
    bad["dynamodb"]["SequenceNumber"] = "999"
    assert handler([bad], LABELS)["batchItemFailures"] == []
    from newsdesk.handlers.labels import handler as labels_handler

    response = labels_handler({"Records": [*records[:3], bad, *records[3:]]}, Context(LABELS))
    assert response == {"batchItemFailures": []}
    assert counts() == EXPECTED


def test_concurrent_invocations_on_the_same_articles_keep_exact_counts(
    history: tuple[Desk, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six invocations at once over the same records (a reshard, a replay beside the stream).

    DynamoDB applies each request atomically; moto does not across threads (a cancelled
    transaction restores a copy of the whole table taken at its start, erasing writes made
    meanwhile), so its backend serves one request at a time here, as DynamoDB's items do.
    """
    lock = threading.RLock()
    for name in ("transact_write_items", "update_item", "put_item", "delete_item", "get_item"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)
    desk, records = history
    for _ in range(3):
        wipe(desk)
        with ThreadPoolExecutor(6) as pool:
            results = list(
                pool.map(
                    lambda i: StreamTap.replay(records[i % 3 :] + records[: i % 3], LABELS, 4),
                    range(6),
                )
            )
        assert [r["batchItemFailures"] for r in results] == [[]] * 6
        assert counts() == EXPECTED
