"""Hostile but valid articles through the publisher's parser and the related handler.

What an editor can publish (a body of one enormous "word", one word repeated for 200 KB,
thousands of distinct made-up words) reaches the related handler as a stream record. The
handler must process it in the same batch as ordinary articles without failing a record:
every posting and frequency key stays within DynamoDB's 2,048-byte partition key and every
profile and list within the 400 KB item (moto enforces both).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from newsdesk.config import settings
from newsdesk.dal import related as store
from newsdesk.logic.publishing.parsing import parse_article

from infra.bench.related import Newsroom
from tests.integration.test_related import CLUSTER, related_items

FRONT = "---\ntitle: {title}\ncategory: Bolig\ntags: [Fællesskab]\nauthor: Asta Petersen\n---\n"
RECEIVED = datetime(2026, 11, 20, 7, tzinfo=UTC)


def made_up_words(count: int, length: int) -> str:
    rng = random.Random(count)
    letters = "abdefghijklmnoprstuvyæøå"
    return " ".join("".join(rng.choice(letters) for _ in range(length)) for _ in range(count))


HOSTILE_BODIES = {
    "kaempeord": "Fællesskab i boligforeningen. " + "bolig" * 68_000,
    "gentagelse": "fællesskab " * 18_000,
    "nye-ord": made_up_words(20_000, 8),
    "lange-ord": made_up_words(4_000, 64),
}


@pytest.fixture
def newsroom(aws: dict[str, Any]) -> Newsroom:
    return Newsroom(settings().table_name)


def test_hostile_valid_articles_are_analysed_in_one_batch_without_failures(
    newsroom: Newsroom,
) -> None:
    for article in CLUSTER[:2]:
        newsroom.publish(article)
    for slug, body in HOSTILE_BODIES.items():
        data = (FRONT.format(title=f"Prøve {slug}") + body + "\n").encode()
        newsroom.publish(
            parse_article(f"articles/{slug}.md", data, received_at=RECEIVED, words_per_minute=200)
        )
    (response,) = newsroom.deliver()
    assert response == {"batchItemFailures": []}
    for slug in HOSTILE_BODIES:
        state = store.load_state(slug)
        assert state.profile is not None and state.candidates is not None, slug
    for (pk, _), item in related_items().items():
        assert len(pk.encode()) <= 2_048
        assert len(repr(item).encode()) < 400_000
