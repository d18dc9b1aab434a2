"""The API and publish handlers with events exactly as `sam local generate-event` prints them
(tests/events/generated/): a leading `/` in `--path` gives `//articles`, REST events carry the
stage in their request context, S3 events have no versionId and a fixed sequencer."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from newsdesk.handlers import api
from newsdesk.handlers.api import merge_slashes

from tests.factories import make_article, store_article
from tests.integration.test_publish import Desk, LambdaContext, article_file

GENERATED = Path(__file__).resolve().parents[1] / "events" / "generated"


def generated(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GENERATED / name).read_text(encoding="utf-8"))
    return loaded


def body_of(response: dict[str, Any]) -> Any:
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return json.loads(body)


@pytest.fixture
def seeded(aws: dict[str, Any]) -> None:
    store_article(make_article("inklusion-i-praksis", title="Inklusion i praksis"))
    store_article(make_article("anden-artikel", hours_ago=2))


@pytest.mark.parametrize(
    "name", ["http-api-get-article.json", "rest-get-article.json", "http-api-list-articles.json"]
)
def test_generated_api_events_reach_their_routes(seeded: None, name: str) -> None:
    response = api.handler(generated(name), LambdaContext())
    assert response["statusCode"] == 200
    body = body_of(response)
    if "items" in body:
        assert [item["slug"] for item in body["items"]] == ["inklusion-i-praksis", "anden-artikel"]
    else:
        assert body["title"] == "Inklusion i praksis"


def test_other_generated_methods_and_paths_are_problems(seeded: None) -> None:
    event = generated("http-api-get-article.json")
    event["requestContext"]["http"]["method"] = "DELETE"
    response = api.handler(event, LambdaContext())
    assert response["statusCode"] == 405
    assert response["headers"]["content-type"] == "application/problem+json"
    unknown = generated("http-api-list-articles.json")
    unknown["rawPath"] = unknown["requestContext"]["http"]["path"] = "/path/to/resource"
    assert api.handler(unknown, LambdaContext())["statusCode"] == 404


def with_method(event: dict[str, Any], method: str) -> dict[str, Any]:
    """A generated event sent with another HTTP method (either payload version)."""
    event = copy.deepcopy(event)
    if "http" in event["requestContext"]:
        event["requestContext"]["http"]["method"] = method
    else:
        event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    return event


def header(response: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in response["headers"].items() if k.lower() == name), None)


@pytest.mark.parametrize(
    "name", ["http-api-get-article.json", "rest-get-article.json", "http-api-list-articles.json"]
)
def test_head_answers_as_get_without_the_content(seeded: None, name: str) -> None:
    get = api.handler(generated(name), LambdaContext())
    head = api.handler(with_method(generated(name), "HEAD"), LambdaContext())

    assert (head["statusCode"], head["body"]) == (200, "")
    assert header(head, "content-length") is None
    assert {k: v for k, v in head["headers"].items() if k.lower() != "content-length"} == {
        k: v for k, v in get["headers"].items() if k.lower() != "content-length"
    }


def test_head_keeps_the_gets_problems_and_revalidation(seeded: None) -> None:
    event = with_method(generated("http-api-get-article.json"), "HEAD")
    etag = header(api.handler(copy.deepcopy(event), LambdaContext()), "etag")
    event["headers"]["if-none-match"] = etag
    assert api.handler(event, LambdaContext())["statusCode"] == 304

    missing = with_method(generated("http-api-get-article.json"), "HEAD")
    missing["rawPath"] = missing["requestContext"]["http"]["path"] = "/articles/findes-ikke"
    response = api.handler(missing, LambdaContext())
    assert (response["statusCode"], response["body"]) == (404, "")
    assert header(response, "content-type") == "application/problem+json"

    posting_only = with_method(generated("http-api-request-ebook.json"), "HEAD")
    response = api.handler(posting_only, LambdaContext())
    assert (response["statusCode"], header(response, "allow")) == (405, "POST")


def test_a_405_allows_head_wherever_it_allows_get(seeded: None) -> None:
    response = api.handler(
        with_method(generated("http-api-get-article.json"), "DELETE"), LambdaContext()
    )
    assert response["statusCode"] == 405
    assert [m.strip() for m in (header(response, "allow") or "").split(",")] == ["GET", "HEAD"]


def test_merge_slashes_touches_only_the_path() -> None:
    event = generated("http-api-get-article.json")
    merged = merge_slashes(copy.deepcopy(event))
    assert merged["rawPath"] == merged["requestContext"]["http"]["path"]
    assert merged["rawPath"] == "/articles/inklusion-i-praksis"
    assert {k: v for k, v in merged.items() if k not in {"rawPath", "requestContext"}} == {
        k: v for k, v in event.items() if k not in {"rawPath", "requestContext"}
    }
    assert merge_slashes({"version": "1.0"}) == {"version": "1.0"}


def test_generated_s3_events_publish_and_unpublish(aws: dict[str, Any]) -> None:
    desk = Desk(aws)
    put, delete = generated("s3-put.json"), generated("s3-delete.json")
    key = "articles/Min første artikel.md"
    assert put["Records"][0]["s3"]["bucket"]["name"] == desk.bucket
    desk.s3.put_object(Bucket=desk.bucket, Key=key, Body=article_file())
    desk.handler(put, LambdaContext())
    assert desk.report(key)["status"] == "published"
    assert desk.report(key)["slug"] == "min-foerste-artikel"
    desk.s3.delete_object(Bucket=desk.bucket, Key=key)
    desk.handler(delete, LambdaContext())
    assert desk.report(key)["status"] == "unpublished"


def test_generated_stream_record_of_another_table_is_acknowledged(aws: dict[str, Any]) -> None:
    from newsdesk.handlers import related

    assert related.handler(generated("dynamodb-update.json"), LambdaContext()) == {
        "batchItemFailures": []
    }


def test_generated_ebook_request_without_content_type_is_accepted(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Content-Type (as generated): the JSON body is still read and a link is sent."""
    import boto3
    from newsdesk import config
    from newsdesk.dal import secrets
    from newsdesk.dal.clients import dynamodb
    from newsdesk.dal.codec import to_dynamo
    from newsdesk.dal.ebooks import ebook_item
    from newsdesk.models import Ebook

    monkeypatch.setenv("SES_SENDER", "nyhedsbrev@example.com")
    config.settings.cache_clear()
    secrets.reset()
    boto3.client("sesv2").create_email_identity(EmailIdentity="nyhedsbrev@example.com")
    ebook = Ebook(id="ballerup-shopping", title="Shopping", description="Butikkerne i Ballerup.")
    item = ebook_item(ebook, source_key="ebooks/ballerup-shopping.md", pdf_key="ebooks/b.pdf")
    dynamodb().put_item(TableName=aws["table"], Item=to_dynamo(item))
    event = generated("http-api-request-ebook.json")
    assert "content-type" not in {name.lower() for name in event["headers"]}
    response = api.handler(event, LambdaContext())
    assert response["statusCode"] == 202, body_of(response)
    secrets.reset()
