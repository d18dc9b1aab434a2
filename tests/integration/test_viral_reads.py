"""A viral article's reads: its 404 after an unpublish is briefly cacheable at a CDN (a
`no-store` 404 would send every reader of a removed viral article to the origin), through
both payload versions, the fast path and the app, GET and HEAD alike."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from newsdesk.api.caching import MISSING_PAGE_CACHE
from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb
from newsdesk.handlers import api

from tests.factories import make_article, store_article
from tests.integration.test_api_generated_events import body_of
from tests.integration.test_publish import LambdaContext

GENERATED = Path(__file__).resolve().parents[1] / "events" / "generated"
SLUG = "inklusion-i-praksis"


def event(name: str, method: str, path: str) -> dict[str, Any]:
    """A `sam local generate-event` event for another method and path."""
    loaded: dict[str, Any] = json.loads((GENERATED / name).read_text(encoding="utf-8"))
    loaded = copy.deepcopy(loaded)
    if "http" in loaded["requestContext"]:
        loaded["requestContext"]["http"].update(method=method, path=path)
        loaded["rawPath"] = path
    else:
        loaded.update(httpMethod=method, path=path)
        loaded["requestContext"].update(httpMethod=method, path=path)
        loaded["pathParameters"] = {"proxy": path.lstrip("/")}
    return loaded


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    return {name.lower(): value for name, value in response["headers"].items()}


@pytest.mark.parametrize("name", ["http-api-get-article.json", "rest-get-article.json"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("answer", [api.handler, api.through_app], ids=["handler", "app"])
def test_a_missing_article_is_a_404_a_cdn_keeps_for_seconds(
    aws: dict[str, Any], name: str, method: str, answer: Any
) -> None:
    store_article(make_article("en-anden-artikel"))
    request = event(name, method, f"/articles/{SLUG}")
    if answer is api.through_app:
        request = api.as_get(request) or request
    response = answer(request, LambdaContext())
    headers = headers_of(response)
    assert response["statusCode"] == 404
    assert headers["cache-control"] == MISSING_PAGE_CACHE == "public, max-age=0, s-maxage=10"
    assert headers["vary"] == "Origin"
    assert headers["content-type"] == "application/problem+json"
    if method == "GET" or answer is api.through_app:
        assert body_of(response)["type"].endswith("/article-not-found")
    else:
        assert response["body"] == ""


def test_other_problems_stay_uncached(aws: dict[str, Any]) -> None:
    """Only the missing page is cacheable: a foreign cursor's 404 is not a page that may appear."""
    request = event("http-api-get-article.json", "GET", "/articles")
    request["rawQueryString"] = "cursor=nope"
    response = api.handler(request, LambdaContext())
    assert response["statusCode"] == 404
    assert headers_of(response)["cache-control"] == "no-store"


def unpublish(slug: str) -> None:
    """Remove every item of the article (its page and its list entries)."""
    table = settings().table_name
    found = dynamodb().query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.article_pk(slug)}},
    )
    for item in found["Items"]:
        dynamodb().delete_item(TableName=table, Key={"PK": item["PK"], "SK": item["SK"]})


def _page(query: str) -> dict[str, Any]:
    request = event("http-api-list-articles.json", "GET", "/articles")
    request["rawQueryString"] = query
    request.pop("body", None)
    request["isBase64Encoded"] = False
    response = api.handler(request, LambdaContext())
    assert response["statusCode"] == 200
    page: dict[str, Any] = body_of(response)
    return page


@pytest.mark.parametrize("query", ["", "tag=ballerup&", "category=bolig&"])
def test_paging_while_editors_publish_neither_repeats_nor_skips(
    aws: dict[str, Any], query: str
) -> None:
    """The cursor is the last teaser's place (time, slug), not an offset: articles published
    while a reader pages appear on the first page only, and an unpublished one just drops out."""
    for index in range(6):
        store_article(make_article(f"a-{index}", hours_ago=index + 1))
    first = _page(f"{query}limit=2")
    store_article(make_article("ny-1"))  # newer than everything: the first page's
    store_article(make_article("ny-2"))
    unpublish("a-3")
    seen = [item["slug"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = _page(f"{query}limit=2&cursor={cursor}")
        seen += [item["slug"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["a-0", "a-1", "a-2", "a-4", "a-5"]
    assert {item["slug"] for item in _page(f"{query}limit=2")["items"]} == {"ny-1", "ny-2"}
