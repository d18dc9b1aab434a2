"""The articles API through the ASGI app and through the Mangum handler (API Gateway v1 and v2)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from newsdesk.api.caching import PUBLIC_CACHE
from newsdesk.dal.clients import dynamodb

from tests.factories import make_article, store_article

ORIGIN = "https://www.example.dk"


@pytest.fixture
def corpus(aws: dict[str, Any]) -> list[str]:
    """Five articles, newest first: a-0 … a-4; a-1 and a-3 are in category Kultur."""
    slugs = []
    for index in range(5):
        category = "Kultur" if index % 2 else "Bolig"
        tags = ["Fællesskab"] if index < 3 else ["Trafik"]
        store_article(make_article(f"a-{index}", hours_ago=index, category=category, tags=tags))
        slugs.append(f"a-{index}")
    return slugs


def test_list_is_newest_first_and_pages_with_cursor(client: TestClient, corpus: list[str]) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/articles", params=params)
        assert response.status_code == 200
        body = response.json()
        seen.extend(item["slug"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == corpus


def test_list_filters_by_category_and_tag(client: TestClient, corpus: list[str]) -> None:
    by_category = client.get("/articles", params={"category": "kultur"}).json()["items"]
    assert [t["slug"] for t in by_category] == ["a-1", "a-3"]
    by_tag = client.get("/articles", params={"tag": "FÆLLESSKAB"}).json()["items"]
    assert [t["slug"] for t in by_tag] == ["a-0", "a-1", "a-2"]
    both = client.get("/articles", params={"tag": "Fællesskab", "category": "Kultur"}).json()
    assert [t["slug"] for t in both["items"]] == ["a-1"]


def test_teaser_has_contract_fields(client: TestClient, corpus: list[str]) -> None:
    teaser = client.get("/articles", params={"limit": 1}).json()["items"][0]
    assert set(teaser) == {
        "slug",
        "title",
        "subtitle",
        "summary",
        "category",
        "category_slug",
        "tags",
        "tag_slugs",
        "author",
        "reading_minutes",
        "published_at",
    }
    assert teaser["author"] == {
        "name": "Asta Petersen",
        "first_name": "Asta",
        "last_name": "Petersen",
        "slug": "asta-petersen",
    }
    assert teaser["category_slug"] == "bolig"
    assert teaser["tag_slugs"] == ["faellesskab"]


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "eyJQSyI6MX0.abc", "a" * 2000, "."])
def test_garbage_cursor_is_404_problem(client: TestClient, corpus: list[str], cursor: str) -> None:
    """Any string is a well-formed (opaque) cursor; one never issued names no page: 404."""
    response = client.get("/articles", params={"cursor": cursor})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/invalid-cursor")


def test_tampered_or_foreign_cursor_is_404(client: TestClient, corpus: list[str]) -> None:
    cursor = client.get("/articles", params={"limit": 1}).json()["next_cursor"]
    token, mac = cursor.split(".")
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["SK"] = "A#OTHER"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    assert client.get("/articles", params={"cursor": f"{forged}.{mac}"}).status_code == 404
    # A cursor of the unfiltered list is refused by the category list.
    assert (
        client.get("/articles", params={"cursor": cursor, "category": "Bolig"}).status_code == 404
    )


def test_article_page_and_404s(client: TestClient, corpus: list[str]) -> None:
    response = client.get("/articles/a-0")
    assert response.status_code == 200
    article = response.json()
    assert article["slug"] == "a-0" and article["body_html"] == "<p>Brødtekst</p>"
    assert article["related"] == [] and article["ebook"] is None
    for slug in ["ukendt", "A-0", "a_0", "%00", "x" * 300]:
        missing = client.get(f"/articles/{slug}")
        assert missing.status_code == 404, slug
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in missing.text


def test_unknown_route_and_method_are_problems(client: TestClient, corpus: list[str]) -> None:
    assert client.get("/nope").headers["content-type"].startswith("application/problem+json")
    assert client.delete("/articles/a-0").status_code == 405
    bad_limit = client.get("/articles", params={"limit": 0})
    assert bad_limit.status_code == 422
    assert bad_limit.json()["errors"][0]["field"] == "limit"


def test_etag_and_304(client: TestClient, corpus: list[str]) -> None:
    first = client.get("/articles/a-0")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "s-maxage" in first.headers["cache-control"]
    assert "stale-while-revalidate" in first.headers["cache-control"]
    again = client.get("/articles/a-0", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = client.get("/articles/a-0", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    store_article(make_article("a-0", title="Ny titel"))
    changed = client.get("/articles/a-0", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_the_app_leaves_cors_to_the_http_api(client: TestClient, corpus: list[str]) -> None:
    """The HttpApi's CorsConfiguration answers CORS (tests/test_local_stack_gateway.py)."""
    answer = client.get("/articles", headers={"Origin": ORIGIN})
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.startswith("access-control-")]
    assert answer.headers["vary"] == "Origin"
    preflight = client.options(
        "/articles",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 405
    assert preflight.headers["content-type"] == "application/problem+json"
    assert not [name for name in preflight.headers if name.startswith("access-control-")]


@pytest.mark.parametrize("path", ["/articles/", "/articles/a-0/", "/openapi.json/"])
def test_a_trailing_slash_is_a_404_problem_not_a_redirect(
    client: TestClient, corpus: list[str], path: str
) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert "location" not in answer.headers


def test_openapi_document_is_cached_like_every_get(client: TestClient) -> None:
    first = client.get("/openapi.json")
    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.headers["cache-control"] == PUBLIC_CACHE
    etag = first.headers["etag"]
    again = client.get("/openapi.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag and again.content == b""
    assert "/openapi.json" not in first.json()["paths"]


def test_get_article_is_one_dynamodb_request(client: TestClient, corpus: list[str]) -> None:
    calls: list[str] = []
    dynamodb().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    assert client.get("/articles/a-0").status_code == 200
    assert calls == ["Query"]
    calls.clear()
    # The list itself, and the one-item read of the next go-live that bounds its lifetime.
    assert client.get("/articles", params={"limit": 3}).status_code == 200
    assert calls == ["Query", "Query"]


def test_openapi_document_lists_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert {"/articles", "/articles/{slug}"} <= set(document["paths"])
    assert "Problem" in document["components"]["schemas"]
