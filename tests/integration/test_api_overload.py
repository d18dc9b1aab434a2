"""Viral traffic: when DynamoDB throttles, readers get a 503 problem with Retry-After, not a 500.

moto holds the data; a hook on the API's own DynamoDB client answers every request as
DynamoDB does when it sheds load (HTTP 400, `ProvisionedThroughputExceededException` or
`ThrottlingException`), after the SDK's own retries. Events come from the recorded
`sam local generate-event` HTTP API shape.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from newsdesk.dal.clients import dynamodb
from newsdesk.handlers import api

from tests.factories import make_article, store_article
from tests.integration.test_api_fastpath import Context

EVENT = Path(__file__).resolve().parents[1] / "events" / "apigw-http-get-article.json"
ROUTES = [
    ("GET", "/articles/aebler-i-ballerup"),  # fast path
    ("GET", "/articles"),  # fast path
    ("GET", "/articles?category=kultur&limit=2"),
    ("GET", "/categories"),
    ("GET", "/tags"),
    ("GET", "/ebooks"),
    ("GET", "/ebooks/ballerup-shopping"),
    ("GET", "/search?q=%C3%A6bler"),
]


class _Body:
    """The raw body botocore streams from an HTTP response."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data

    def read(self) -> bytes:
        return self.data


class Throttle:
    """Answers every DynamoDB request of the client as a throttled one, counting them."""

    def __init__(self, code: str, status: int = 400) -> None:
        self.code, self.status, self.calls = code, status, 0

    def __call__(self, **_: Any) -> AWSResponse:
        self.calls += 1
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}"})
        headers = {"x-amzn-requestid": "throttled", "content-type": "application/x-amz-json-1.0"}
        return AWSResponse("https://dynamodb", self.status, headers, _Body(body.encode()))


def _event(method: str, target: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(EVENT.read_text(encoding="utf-8"))
    path, _, query = target.partition("?")
    event["rawPath"], event["rawQueryString"] = path, query
    event["requestContext"]["http"].update(method=method, path=path)
    event["routeKey"] = "ANY /{proxy+}"
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event.pop("queryStringParameters", None)
    if query:
        event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    return event


def _body(response: dict[str, Any]) -> dict[str, Any]:
    raw = response["body"]
    decoded = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
    document: dict[str, Any] = json.loads(decoded)
    return document


@pytest.fixture
def published(aws: dict[str, Any]) -> Iterator[None]:
    store_article(make_article("aebler-i-ballerup", category="Kultur", tags=["Æbler"]))
    api.asgi_adapter.cache_clear()
    yield
    api.asgi_adapter.cache_clear()


# DynamoDB's three ways of saying "slow down", spread over the routes (each case waits out
# the SDK's backoff, so not every pair).
CODES = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]


@pytest.mark.parametrize(
    ("method", "target", "code"),
    [(*route, CODES[index % len(CODES)]) for index, route in enumerate(ROUTES)],
)
def test_throttled_reads_answer_503_problem_with_retry_after(
    published: None, method: str, target: str, code: str
) -> None:
    throttle = Throttle(code)
    dynamodb().meta.events.register_first("before-send.dynamodb", throttle)

    response = api.handler(_event(method, target), Context())

    assert response["statusCode"] == 503, (target, _body(response))
    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert headers["content-type"] == "application/problem+json"
    assert headers["cache-control"] == "no-store"
    assert int(headers["retry-after"]) > 0
    problem = _body(response)
    assert problem["type"].endswith("/service-unavailable")
    assert problem["status"] == 503
    assert problem["instance"] == target.partition("?")[0]
    assert throttle.calls >= 1


def test_a_throttled_hot_read_is_not_asked_again_by_the_app(published: None) -> None:
    """The fast path answers the 503 itself: one read's retries, not a second round."""
    throttle = Throttle("ProvisionedThroughputExceededException")
    dynamodb().meta.events.register_first("before-send.dynamodb", throttle)

    response = api.handler(_event("GET", "/articles/aebler-i-ballerup"), Context())

    assert response["statusCode"] == 503
    assert throttle.calls == dynamodb().meta.config.retries["total_max_attempts"]


def test_dynamodb_failing_on_its_side_is_503_too(published: None) -> None:
    dynamodb().meta.events.register_first(
        "before-send.dynamodb", Throttle("InternalServerError", status=500)
    )
    response = api.handler(_event("GET", "/categories"), Context())
    assert response["statusCode"] == 503


def test_a_denied_call_is_still_a_logged_500(published: None) -> None:
    """Only load shedding is a 503: a broken permission is our defect and says so."""
    dynamodb().meta.events.register_first("before-send.dynamodb", Throttle("AccessDeniedException"))
    response = api.handler(_event("GET", "/articles"), Context())
    assert response["statusCode"] == 500
    assert _body(response)["type"].endswith("/internal-error")


def test_every_operation_documents_the_503() -> None:
    from newsdesk.api.app import create_app

    document = create_app().openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "503" in operation["responses"], (method, path)


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("method", "target", "body"),
    [
        ("POST", "/ebooks/ballerup-shopping/requests", "email=laeser%40example.dk"),  # the form
        ("GET", "/ebooks/ballerup-shopping/download?token=abc", None),  # the mailed link
    ],
)
def test_a_throttled_reader_in_a_browser_gets_a_danish_page(
    published: None, method: str, target: str, body: str | None
) -> None:
    """A person's browser gets the 503 as a Danish page (with Retry-After), not English JSON."""
    dynamodb().meta.events.register_first(
        "before-send.dynamodb", Throttle("ProvisionedThroughputExceededException")
    )
    event = _event(method, target)
    event["headers"]["accept"] = BROWSER
    if body is not None:
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
        event["body"], event["isBase64Encoded"] = body, False

    response = api.handler(event, Context())

    headers = {name.lower(): value for name, value in response["headers"].items()}
    text = base64.b64decode(response["body"]) if response.get("isBase64Encoded") else None
    page = (text or response["body"].encode()).decode()
    assert response["statusCode"] == 503, page
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert int(headers["retry-after"]) > 0
    assert '<html lang="da">' in page
    assert "<h1>Der er travlt lige nu</h1>" in page


def test_a_throttled_link_still_keeps_its_token_out_of_referrers(published: None) -> None:
    """Every answer of a mailed link carries no-referrer (docs/api.md), the 503 for programs too."""
    dynamodb().meta.events.register_first("before-send.dynamodb", Throttle("ThrottlingException"))

    response = api.handler(_event("GET", "/ebooks/ballerup-shopping/download?token=abc"), Context())

    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert response["statusCode"] == 503
    assert headers["content-type"] == "application/problem+json"
    assert (headers["referrer-policy"], headers["cache-control"]) == ("no-referrer", "no-store")
    assert int(headers["retry-after"]) > 0
