"""Category, tag and author counts and author lists, kept by the template's LabelsFunction.

Articles are uploaded through the publish handler with S3 events as AWS sends them; the
table's stream (read from moto) is delivered to the labels handler with the template's
filter; the API answers through the FastAPI app.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from newsdesk.dal import labels as label_store

from tests.integration.stream_tap import StreamTap
from tests.integration.test_publish import Desk, article_file

LABELS = "LabelsFunction"


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


@pytest.fixture
def tap(aws: dict[str, Any]) -> StreamTap:
    return StreamTap(aws["table"])


def menu(client: TestClient, path: str) -> list[tuple[str, str, int]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["etag"] and "max-age" in response.headers["cache-control"]
    return [(i["name"], i["slug"], i["articles"]) for i in response.json()["items"]]


def upload(desk: Desk, tap: StreamTap, key: str, **fields: Any) -> None:
    wanted = "unpublished" if fields.get("status") == "draft" else "published"
    assert desk.upload(key, article_file(**fields))["status"] == wanted
    (result,) = tap.deliver(LABELS)
    assert result["batchItemFailures"] == []


def test_counts_follow_publish_edit_unpublish_and_delete(
    desk: Desk, tap: StreamTap, client: TestClient
) -> None:
    upload(desk, tap, "articles/a.md", category="Grønne områder", tags=["Børn", "Leg"])
    upload(desk, tap, "articles/b.md", category="Grønne områder", tags=["Børn"])
    upload(desk, tap, "articles/c.md", category="Bolig", tags=["Børn", "Fællesskab"])
    assert menu(client, "/categories") == [
        ("Grønne områder", "groenne-omraader", 2),
        ("Bolig", "bolig", 1),
    ]
    assert menu(client, "/tags") == [
        ("Børn", "boern", 3),
        ("Fællesskab", "faellesskab", 1),
        ("Leg", "leg", 1),
    ]

    # Edit: a moves to Bolig and drops Leg.
    upload(desk, tap, "articles/a.md", category="Bolig", tags=["Børn"])
    assert menu(client, "/categories") == [
        ("Bolig", "bolig", 2),
        ("Grønne områder", "groenne-omraader", 1),
    ]
    assert ("Leg", "leg", 1) not in menu(client, "/tags")

    # Unpublish as a draft, then delete the file of another.
    upload(desk, tap, "articles/b.md", status="draft", category="Grønne områder")
    assert desk.remove("articles/c.md")["status"] == "unpublished"
    tap.deliver(LABELS)
    assert menu(client, "/categories") == [("Bolig", "bolig", 1)]
    assert menu(client, "/tags") == [("Børn", "boern", 1)]
    assert client.get("/authors/asta-petersen").json()["articles"] == 1

    desk.remove("articles/a.md")
    tap.deliver(LABELS)
    assert menu(client, "/categories") == []
    assert menu(client, "/tags") == []
    assert client.get("/authors/asta-petersen").status_code == 404
    # Nothing is left behind: no counter at zero, no membership of a removed article.
    leftovers = [key for key in desk.items() if key[0].startswith("LABELS#") or "N#" in key[1]]
    assert leftovers == []


def test_redelivered_records_change_no_count(
    desk: Desk, tap: StreamTap, client: TestClient
) -> None:
    upload(desk, tap, "articles/a.md", tags=["Børn", "Leg"])
    upload(desk, tap, "articles/a.md", tags=["Børn"])
    upload(desk, tap, "articles/b.md", tags=["Leg"])
    before = (menu(client, "/tags"), menu(client, "/categories"))
    # The whole stream again, twice (a retried batch, then a replay from the DLQ).
    for _ in range(2):
        assert StreamTap.replay(tap.delivered, LABELS)["batchItemFailures"] == []
    assert (menu(client, "/tags"), menu(client, "/categories")) == before
    assert before[0] == [("Børn", "boern", 1), ("Leg", "leg", 1)]


def test_one_query_serves_a_menu(desk: Desk, tap: StreamTap, client: TestClient) -> None:
    for index in range(3):
        upload(desk, tap, f"articles/a{index}.md", tags=[f"Emne {index}", "Fælles"])
    calls: list[str] = []
    from newsdesk.dal.clients import dynamodb

    dynamodb().meta.events.register(
        "provide-client-params.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    assert menu(client, "/tags")[0] == ("Fælles", "faelles", 3)
    assert calls == ["Query"]


def test_author_page_and_list_newest_first_with_cursor(
    desk: Desk, tap: StreamTap, client: TestClient
) -> None:
    for index in range(5):
        upload(
            desk,
            tap,
            f"articles/s{index}.md",
            author={"first_name": "Søren", "last_name": "Ærø"},
            published_at=f"2026-11-{10 + index}T08:00:00+01:00",
        )
    upload(desk, tap, "articles/other.md", author="Asta Petersen")
    page = client.get("/authors/soeren-aeroe")
    assert page.status_code == 200
    assert page.json() == {
        "name": "Søren Ærø",
        "first_name": "Søren",
        "last_name": "Ærø",
        "slug": "soeren-aeroe",
        "articles": 5,
    }
    seen: list[str] = []
    cursor = None
    while True:
        params = {"author": "soeren-aeroe", "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get("/articles", params=params).json()
        seen += [t["slug"] for t in body["items"]]
        assert all(t["author"]["slug"] == "soeren-aeroe" for t in body["items"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ["s4", "s3", "s2", "s1", "s0"]
    # The display name finds the same list; another author's cursor does not fit it.
    by_name = client.get("/articles", params={"author": "Søren Ærø"}).json()["items"]
    assert [t["slug"] for t in by_name] == seen[:5]
    other = client.get("/articles", params={"author": "asta-petersen", "limit": 1}).json()
    assert [t["slug"] for t in other["items"]] == ["other"]


@pytest.mark.parametrize(
    "path", ["/authors/nobody", "/authors/ÆØÅ", "/authors/-x-", "/authors/" + "a" * 300]
)
def test_unknown_author_is_404_problem(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/author-not-found")


def test_author_combines_with_category_and_tag(
    desk: Desk, tap: StreamTap, client: TestClient
) -> None:
    upload(desk, tap, "articles/a.md", author="Asta Petersen", category="Bolig", tags=["Børn"])
    upload(desk, tap, "articles/b.md", author="Asta Petersen", category="Natur", tags=["Børn"])
    upload(desk, tap, "articles/c.md", author="Bo Holm", category="Bolig", tags=["Børn"])
    upload(desk, tap, "articles/d.md", author="Asta Petersen", category="Bolig", tags=["Leg"])

    def listed(**params: str) -> list[str]:
        response = client.get("/articles", params=params)
        assert response.status_code == 200, response.text
        return sorted(item["slug"] for item in response.json()["items"])

    assert listed(author="asta-petersen", category="Bolig") == ["a", "d"]
    assert listed(author="Asta Petersen", tag="boern") == ["a", "b"]
    assert listed(author="asta-petersen", tag="Børn", category="bolig") == ["a"]
    assert listed(author="bo-holm", tag="Leg") == []
    # A cursor belongs to its whole filter: the same list without the author refuses it.
    first = client.get("/articles", params={"author": "asta-petersen", "tag": "boern", "limit": 1})
    cursor = first.json()["next_cursor"]
    assert cursor
    refused = client.get("/articles", params={"tag": "boern", "cursor": cursor})
    assert refused.status_code == 404  # a cursor this list never issued (docs/api.md)
    assert refused.json()["type"].endswith("/invalid-cursor")
    rest = client.get(
        "/articles", params={"author": "asta-petersen", "tag": "boern", "cursor": cursor}
    )
    assert len(rest.json()["items"]) == 1


def test_lists_take_the_slug_or_the_name(desk: Desk, tap: StreamTap, client: TestClient) -> None:
    upload(desk, tap, "articles/a.md", category="Grønne områder", tags=["Børn og unge"])
    for params in (
        {"category": "Grønne områder"},
        {"category": "groenne-omraader"},
        {"tag": "børn OG unge"},
        {"tag": "boern-og-unge"},
        {"tag": "boern-og-unge", "category": "groenne-omraader"},
    ):
        items = client.get("/articles", params=params).json()["items"]
        assert [t["slug"] for t in items] == ["a"], params
    teaser = client.get("/articles/a").json()
    assert teaser["category_slug"] == "groenne-omraader"
    assert teaser["tag_slugs"] == ["boern-og-unge"]


def test_a_renamed_label_shows_its_new_spelling(
    desk: Desk, tap: StreamTap, client: TestClient
) -> None:
    upload(desk, tap, "articles/a.md", category="bolig")
    upload(desk, tap, "articles/a.md", category="Bolig")
    assert menu(client, "/categories") == [("Bolig", "bolig", 1)]
    assert label_store.memberships("a")[("category", "bolig")].name == "Bolig"


def test_recount_sets_counts_right_after_a_lost_batch(
    desk: Desk, tap: StreamTap, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # A batch given up on lands in LabelsDeadLetterQueue as stream positions only, and
    # uploading the unchanged file again writes no record: `make recount-labels` is the remedy.
    upload(desk, tap, "articles/a.md", category="Bolig", tags=["Børn"])
    upload(desk, tap, "articles/b.md", category="Bolig", tags=["Leg"])
    assert desk.upload("articles/a.md", article_file(category="Kultur"))["status"] == "published"
    desk.remove("articles/b.md")
    tap._new_records()  # the batch the function gave up on: never delivered
    assert desk.upload("articles/a.md", article_file(category="Kultur"))["status"] == "published"
    assert sum(r["records"] for r in tap.deliver(LABELS)) == 0  # the re-upload wrote nothing
    assert menu(client, "/categories") == [("Bolig", "bolig", 2)]

    from infra.ops import labels_recount

    assert labels_recount.main([]) == 0
    assert "3 added, 4 removed" in capsys.readouterr().out
    assert menu(client, "/categories") == [("Kultur", "kultur", 1)]
    assert {name for name, _, count in menu(client, "/tags") if count == 1} == {
        "Fællesskab",
        "Børn",
        "Ballerup",
    }
    assert labels_recount.main([]) == 0
    assert "0 added, 0 removed, 0 renamed" in capsys.readouterr().out
