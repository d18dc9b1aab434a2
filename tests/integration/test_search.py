"""Danish search over the related index, end to end on moto.

Articles are uploaded through the publish handler; the stream (read from moto) goes to the
template's RelatedFunction, which keeps the term postings search reads; the API answers
through the FastAPI app.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from newsdesk.dal.clients import dynamodb

from tests.integration.stream_tap import StreamTap
from tests.integration.test_publish import Desk, article_file

FILLER = (
    "Kommunen har travlt i efteråret. Borgmesteren åbnede den nye skole, og mange familier "
    "kom forbi for at se klasselokalerne, idrætshallen og den store skolegård."
)


def text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


@pytest.fixture
def client(aws: dict[str, Any]) -> Iterator[TestClient]:
    desk, tap = Desk(aws), StreamTap(aws["table"])

    def publish(key: str, body: str, **fields: Any) -> None:
        assert desk.upload(key, article_file(body, **fields))["status"] == "published"

    publish(
        "articles/bestyrelse.md",
        text("Der var godt fremmøde på generalforsamlingen i Hedegården.", FILLER),
        title="Boligforeningen vælger ny bestyrelse",
        published_at="2026-11-01T08:00:00+01:00",
    )
    publish(
        "articles/skolen.md",
        text(FILLER, "Også boligforeningen i området var med til indvielsen."),
        title="Den nye skole er åbnet",
        published_at="2026-11-20T08:00:00+01:00",
    )
    publish(
        "articles/derby.md",
        text("Fodboldholdet vandt derbyet på et mål i sidste minut foran fyldte tribuner."),
        title="Sejr i derbyet",
        category="Sport",
        published_at="2026-11-15T08:00:00+01:00",
    )
    for index, day in ((0, 10), (1, 12)):
        publish(
            f"articles/svampetur-{index}.md",
            text("Svampeturen går gennem skoven med en guide."),
            title="Svampetur i skoven",
            published_at=f"2026-11-{day}T08:00:00+01:00",
        )
    (related,) = tap.deliver("RelatedFunction")
    assert related["batchItemFailures"] == []
    from newsdesk.api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


def slugs(client: TestClient, query: str, **params: Any) -> list[str]:
    response = client.get("/search", params={"q": query, **params})
    assert response.status_code == 200, response.text
    return [t["slug"] for t in response.json()["items"]]


def test_stems_find_other_forms_and_title_hits_rank_first(client: TestClient) -> None:
    # "boligforeningerne" (definite plural) stems like "boligforeningen" and "boligforening".
    # The older article has the word in its title, the newer one only in its body.
    assert slugs(client, "boligforeningerne") == ["bestyrelse", "skolen"]
    assert slugs(client, "Boligforening") == ["bestyrelse", "skolen"]


def test_stopwords_alone_find_nothing_without_a_request(client: TestClient) -> None:
    calls: list[str] = []
    dynamodb().meta.events.register(
        "provide-client-params.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    response = client.get("/search", params={"q": "og i på det som"})
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
    assert calls == []


def test_equal_relevance_favours_the_newer_article(client: TestClient) -> None:
    assert slugs(client, "svampeturen") == ["svampetur-1", "svampetur-0"]


def test_unknown_words_find_nothing(client: TestClient) -> None:
    assert slugs(client, "zeppelinerne") == []


def test_pages_with_cursor_and_refuses_foreign_cursors(client: TestClient) -> None:
    first = client.get("/search", params={"q": "skole svampetur derby", "limit": 2}).json()
    cursor = first["next_cursor"]
    assert len(first["items"]) == 2 and cursor
    rest = client.get("/search", params={"q": "skole svampetur derby", "cursor": cursor}).json()
    everything = [t["slug"] for t in first["items"] + rest["items"]]
    assert len(everything) == len(set(everything)) == len(slugs(client, "skole svampetur derby"))
    other = client.get("/search", params={"q": "derby", "cursor": cursor})
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["type"].endswith("/invalid-cursor")


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "limit": 0}])
def test_bad_queries_are_422_problems(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_answers_are_cached_like_other_gets(client: TestClient) -> None:
    response = client.get("/search", params={"q": "derby"})
    etag = response.headers["etag"]
    assert "s-maxage" in response.headers["cache-control"]
    again = client.get("/search", params={"q": "derby"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
