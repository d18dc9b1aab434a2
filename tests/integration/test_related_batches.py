"""Stream batches of many article changes, as Lambda delivers them (BatchSize records).

A small corpus's lists are re-selected once per stream batch (not once per record): a batch
of many records must settle on exactly the state that one record per batch reaches, a
replayed batch must change nothing, and a batch that fails before its re-selection must be
completed by the retry.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws
from newsdesk.config import settings
from newsdesk.dal import clients
from newsdesk.dal import related as store
from newsdesk.logic.related import maintenance
from newsdesk.models import Article

from infra.bench.related import Newsroom
from infra.template.reading import create_table_request
from tests.integration.test_related import (
    CLUSTER,
    DISTRACTORS,
    kept,
    publish,
    related_items,
    without_markers,
)

EVERYONE = [*DISTRACTORS, *CLUSTER]


@pytest.fixture
def newsroom(aws: dict[str, Any]) -> Newsroom:
    return Newsroom(settings().table_name)


def state_after(articles: list[Article], *, one_batch: bool) -> dict[Any, Any]:
    """The related state of `articles` published in one stream batch or one batch each."""
    with mock_aws():
        clients.reset()
        boto3.client("dynamodb").create_table(**create_table_request(settings().table_name))
        newsroom = Newsroom(settings().table_name)
        if one_batch:
            for article in articles:
                newsroom.publish(article)
            (response,) = newsroom.deliver(batch_size=len(articles))
            assert response == {"batchItemFailures": []}
        else:
            publish(newsroom, *articles)
        return without_markers(related_items())


def test_a_batch_of_many_records_settles_as_one_record_per_batch() -> None:
    assert state_after(EVERYONE, one_batch=True) == state_after(EVERYONE, one_batch=False)


def test_a_replayed_batch_changes_nothing(newsroom: Newsroom) -> None:
    for article in EVERYONE:
        newsroom.publish(article)
    newsroom.publish(CLUSTER[0].model_copy(update={"title": "Fællesspisning hver fredag"}))
    newsroom.unpublish(DISTRACTORS[0].slug)
    batch = list(newsroom.pending)
    (response,) = newsroom.deliver(batch_size=len(batch))
    assert response == {"batchItemFailures": []}
    settled = without_markers(related_items())
    assert all(DISTRACTORS[0].slug not in kept(a.slug) for a in EVERYONE[1:])
    assert not any(store.load_state(a.slug).pending for a in EVERYONE[1:])
    # Redelivered whole, then reversed, then split differently: nothing changes.
    for replay in (batch, list(reversed(batch)), batch[3:] + batch[:3]):
        newsroom.pending = list(replay)
        assert all(r == {"batchItemFailures": []} for r in newsroom.deliver(batch_size=5))
        assert without_markers(related_items()) == settled


def test_a_batch_that_fails_before_its_settle_is_completed_by_the_retry(
    newsroom: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(newsroom, *DISTRACTORS)
    for article in CLUSTER[:4]:
        newsroom.publish(article)
    batch = list(newsroom.pending)

    def unavailable() -> None:
        raise ConnectionError("DynamoDB unavailable")

    monkeypatch.setattr(maintenance, "settle_all", unavailable)
    with pytest.raises(ConnectionError):
        newsroom.deliver()
    # The articles are counted and indexed, but their profiles say the lists may lag.
    assert all(store.load_state(a.slug).pending for a in CLUSTER[:4])
    monkeypatch.undo()
    newsroom.pending = batch  # the stream retries the batch
    assert newsroom.deliver() == [{"batchItemFailures": []}]
    assert not any(store.load_state(a.slug).pending for a in CLUSTER[:4])
    assert set(kept(CLUSTER[0].slug)[:3]) == {a.slug for a in CLUSTER[1:4]}
    assert store.get_stats([])[0] == len(DISTRACTORS) + 4
