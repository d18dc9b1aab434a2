"""Requests a deeper schemathesis run (thousands of examples per operation) found answered
against the document, kept as plain tests.

- A multipart form's `newsletter=0` was accepted while the document called the field a
  boolean: in a form every value is text, so the document now gives the texts read.
- An invalid JSON body of 8.4-11 KB (0.3 % of schemathesis' negative examples) was a 413,
  which no checker counts as a rejection of invalid data: the flake of the fuzz test.
- `?limit=x&limit=5`, `?limit=%0D5` and `?limit=1_0` were answered as `limit=5`/`10`.
- The e-book routes' `ebook_id` had no example, so a checker's every id was unknown: the
  download route "repeatedly returned 404" (schemathesis' missing-test-data warning) and
  never reached its link checks. The document now gives the sample e-book's id.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from newsdesk.api import ebooks as ebooks_api

from infra.deploy.openapi import DOCUMENT
from tests.factories import make_article, store_article
from tests.integration.test_api_fastpath import Context, Request, http_api_v2, rest_v1

ROUTE = "/ebooks/ballerup-shopping/requests"
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"  # pragma: allowlist secret
MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
def client(sample_ebook: None, client: TestClient) -> TestClient:
    """The app with the sample e-book and the document's example article online."""
    store_article(make_article("inklusion-i-praksis"))
    return client


def multipart(fields: list[tuple[str, str]]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


def _form_newsletter_pattern(media_type: str) -> re.Pattern[str]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    body = document["paths"]["/ebooks/{ebook_id}/requests"]["post"]["requestBody"]
    schema = body["content"][media_type]["schema"]["properties"]["newsletter"]
    assert schema["type"] == "string"
    return re.compile(schema["pattern"])


CHECKBOX_TEXTS = ["0", "1", "on", " ON ", "Ja", "nej", "", "\tfalse\n", "True", "off", "\xa0yes"]
OTHER_TEXTS = ["2", "t", "f", "y", "n", "null", "none", "o n", "0.0", "[]", "onon", "\u200bon"]


@pytest.mark.parametrize("text", [*CHECKBOX_TEXTS, *OTHER_TEXTS])
def test_a_forms_newsletter_is_accepted_exactly_when_the_document_says(
    client: TestClient, text: str
) -> None:
    """The document's pattern for a form's `newsletter` is what the server reads."""
    for media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        valid = _form_newsletter_pattern(media_type).search(text) is not None
        fields = [("email", "laeser@example.dk"), ("newsletter", text)]
        if media_type.startswith("multipart"):
            sent = client.post(ROUTE, content=multipart(fields), headers=MULTIPART)
        else:
            sent = client.post(ROUTE, data=dict(fields))
        assert sent.status_code == (202 if valid else 422), (media_type, text, sent.text)


def test_schemathesis_multipart_newsletter_0_is_valid_in_the_document(client: TestClient) -> None:
    """The coverage phase's request (seed 1): `0` for a boolean; now a documented checkbox text."""
    fields = [("email", "laeser@example.dk"), ("newsletter", "0"), ("website", "")]
    assert _form_newsletter_pattern("multipart/form-data").search("0")
    assert client.post(ROUTE, content=multipart(fields), headers=MULTIPART).status_code == 202


def test_an_invalid_body_over_8_kb_is_judged_by_its_content(client: TestClient) -> None:
    """Negative examples reach 11 KB written as JSON; they are invalid (422), not too large."""
    astral = "\U0001f4da"
    body = {"email": astral * 900, "website": {"x": [astral] * 10}, "newsletter": ["", [], None]}
    content = json.dumps(body).encode()
    assert 8192 < len(content) < ebooks_api.MAX_BODY_BYTES
    sent = client.post(ROUTE, content=content, headers={"content-type": "application/json"})
    assert sent.status_code == 422, sent.text
    assert sent.headers["content-type"] == "application/problem+json"


def test_a_body_over_the_limit_is_still_413(client: TestClient) -> None:
    content = json.dumps({"email": "x" * ebooks_api.MAX_BODY_BYTES}).encode()
    sent = client.post(ROUTE, content=content, headers={"content-type": "application/json"})
    assert sent.status_code == 413
    assert sent.json()["type"].endswith("/payload-too-large")


@pytest.mark.parametrize("depth", [10_000, 16_000])
def test_json_nested_deeper_than_the_parser_goes_is_400(client: TestClient, depth: int) -> None:
    for content in ("[" * depth + "]" * depth, "[" * depth):
        sent = client.post(ROUTE, content=content, headers={"content-type": "application/json"})
        assert sent.status_code == 400, sent.text[:200]
        assert sent.json()["type"].endswith("/malformed-body")


def test_forms_with_more_fields_than_a_form_has_are_400(client: TestClient) -> None:
    """The parsers' cost grows with fields and parameters; a form has a handful."""
    many = [("email", "laeser@example.dk")] + [(f"f{i}", "v") for i in range(120)]
    for sent in (
        client.post(ROUTE, content=multipart(many), headers=MULTIPART),
        client.post(ROUTE, data=dict(many)),
        client.post(
            ROUTE,
            content=multipart(many[:1]),
            headers={"content-type": MULTIPART["content-type"] + "; x=y" * 100},
        ),
    ):
        assert sent.status_code == 400, sent.text
        assert sent.json()["type"].endswith("/malformed-body")
    few = many[:100]
    assert client.post(ROUTE, content=multipart(few), headers=MULTIPART).status_code == 202


REFUSED_QUERIES = [
    "/search?q=a&limit=%C3%80&limit=b&limit=%0D5",  # schemathesis' example (seed 22)
    "/search?q=a&limit=x&limit=5",
    "/search?q=a&q=b",
    "/search?q=a&limit=%0D5",
    "/search?q=a&limit=%205",
    "/search?q=a&limit=1_0",
    "/articles?limit=x&limit=5",
    "/articles?category=Kultur&category=Bolig",
    "/articles?limit=%2B5",
    "/articles?limit=1_0",
]


@pytest.mark.parametrize("url", REFUSED_QUERIES)
def test_repeated_or_padded_query_parameters_are_422(client: TestClient, url: str) -> None:
    sent = client.get(url)
    assert sent.status_code == 422, sent.text
    assert sent.headers["content-type"] == "application/problem+json"
    assert sent.json()["type"].endswith("/validation-error")


@pytest.mark.parametrize("url", REFUSED_QUERIES[6:])
def test_the_api_function_refuses_them_too(client: TestClient, url: str) -> None:
    """Through the function (fast path for /articles), as API Gateway delivers them."""
    from newsdesk.handlers import api

    path, _, query = url.partition("?")
    event = http_api_v2(Request(method="GET", path=path, query=query, headers=[], body=None))
    api.asgi_adapter.cache_clear()
    answer = api.handler(event, Context())  # type: ignore[arg-type]
    assert answer["statusCode"] == 422, answer


@pytest.mark.parametrize(
    "url", ["/search?q=a&limit=05", "/articles?limit=50", "/articles?limit=5&utm=a&utm=b"]
)
def test_plain_digits_and_repeated_unknown_parameters_still_answer(
    client: TestClient, url: str
) -> None:
    assert client.get(url).status_code == 200


REPEATED = ["/articles?tag=a&tag=b", "/articles?limit=5&limit=6"]


@pytest.mark.parametrize("url", [*REFUSED_QUERIES[6:], *REPEATED])
@pytest.mark.parametrize("version", [None, "1.0"])
def test_rest_events_with_repeated_parameters_are_refused_too(
    client: TestClient, url: str, version: str | None
) -> None:
    """REST (and payload 1.0) events carry a repeated parameter's last value in
    `queryStringParameters` and every value in `multiValueQueryStringParameters`: the
    function reads the latter, as Mangum does, and refuses the repetition (the fast path
    declines, the app answers 422), rather than answering for the last value."""
    from newsdesk.handlers import api

    path, _, query = url.partition("?")
    event = rest_v1(Request("GET", path, query, [("Host", "api.example.dk")]), version=version)
    if "&" in query:
        assert len(event["queryStringParameters"]) < sum(
            map(len, event["multiValueQueryStringParameters"].values())
        )
    api.asgi_adapter.cache_clear()
    answer = api.handler(event, Context())  # type: ignore[arg-type]
    assert answer["statusCode"] == 422, answer
    assert answer["headers"]["content-type"] == "application/problem+json"


def test_the_documents_ebook_id_is_the_sample_ebook_and_reaches_the_routes_work(
    client: TestClient,
) -> None:
    """With the document's example id a checker gets past 404 on every e-book route."""
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    examples = {
        (method, path): parameter["schema"]["examples"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "ebook_id"
    }
    assert len(examples) == 3
    assert set(map(tuple, examples.values())) == {("ballerup-shopping",)}
    content = Path(__file__).resolve().parents[2] / "content" / "ebooks"
    assert (content / "ballerup-shopping.md").is_file()
    ebook = "/ebooks/ballerup-shopping"
    assert client.get(ebook).status_code == 200
    assert client.get(f"{ebook}/download", params={"token": "abc"}).status_code == 403
    accepted = client.post(f"{ebook}/requests", json={"email": "laeser@example.dk"})
    assert accepted.status_code == 202, accepted.text
