"""Schemathesis against the app's own OpenAPI document, in-process, on moto.

Every built-in check is on, with schemathesis' own expectations (no per-operation allowances,
as an outside checker runs it): no server error, every status code documented, every response
body and content type as the document says, invalid input refused, valid input accepted, and
so on; once against the app, once through the API function with API Gateway's 2.0 events.
Examples are bounded so the module stays around a minute or two on two cores.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from newsdesk.config import settings as app_settings
from newsdesk.dal import secrets
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import to_dynamo
from newsdesk.dal.ebooks import ebook_item
from newsdesk.handlers import api
from newsdesk.logic.labels import sync_labels
from newsdesk.logic.related.maintenance import sync
from newsdesk.models import Ebook
from schemathesis import Case

from infra.deploy.openapi import DOCUMENT
from tests.conftest import REGION
from tests.factories import make_article, store_article
from tests.integration.test_api_fastpath import Context, Request, http_api_v2

EBOOK_ID = "ballerup-shopping"
SENDER = "nyhedsbrev@example.com"


@pytest.fixture
def fuzzed_app(aws: dict[str, Any]) -> FastAPI:
    """The app over a small corpus: articles in two categories, an e-book with its PDF.

    Label counts and the related index (search's postings) are built as the stream
    functions build them.
    """
    articles = [make_article("inklusion-i-praksis")]  # the document's example slug
    articles += [
        make_article(
            f"artikel-{index}",
            hours_ago=index,
            category="Kultur" if index % 2 else "Bolig",
            tags=["Fællesskab", "Ballerup"] if index < 4 else ["Trafik"],
        )
        for index in range(6)
    ]
    for article in articles:
        store_article(article)
        sync_labels(article.slug)
        sync(article.slug)
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=app_settings().ebook_token_secret,
        SecretString=base64.b64encode(b"k" * 48).decode(),
    )
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)
    aws["s3"].put_object(Bucket=aws["bucket"], Key=f"ebooks/{EBOOK_ID}.pdf", Body=b"%PDF-1.4\n")
    ebook = Ebook(id=EBOOK_ID, title="Ballerups bedste shopping", description="Butikker.")
    item = ebook_item(ebook, source_key=f"ebooks/{EBOOK_ID}.md", pdf_key=f"ebooks/{EBOOK_ID}.pdf")
    dynamodb().put_item(TableName=aws["table"], Item=to_dynamo(item))
    secrets.reset()

    from newsdesk.api.app import create_app

    return create_app()


def _document() -> dict[str, Any]:
    """The committed contract (tests/integration/test_openapi_contract.py: the app serves it)."""
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


# Loaded at collection (a lazy fixture-based schema does not work on this pytest); each test
# then calls the app built inside its moto fixture.
schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(case: Case, fuzzed_app: FastAPI) -> None:
    case.call_and_validate(app=fuzzed_app)


@pytest.fixture
def lambda_gateway(fuzzed_app: FastAPI) -> Iterator[LambdaGateway]:
    """The gateway over the same corpus; the function builds its own app in this moto."""
    api.asgi_adapter.cache_clear()
    with ThreadPoolExecutor(1, initializer=_own_event_loop) as worker:
        yield LambdaGateway(worker)
    api.asgi_adapter.cache_clear()


def _own_event_loop() -> None:
    """Mangum runs each event on the thread's loop, as Lambda's runtime thread has one."""
    asyncio.set_event_loop(asyncio.new_event_loop())


class LambdaGateway:
    """An ASGI app that is API Gateway in front of the API function.

    Each request becomes an HTTP API payload 2.0 event for `newsdesk.handlers.api.handler`
    (fast path, else FastAPI through Mangum), and its Lambda response becomes the answer:
    the path the acceptance checks reach when they drive the deployed function. The function
    runs on its own thread, whose event loop Mangum drives as on Lambda.
    """

    def __init__(self, worker: ThreadPoolExecutor) -> None:
        self.worker = worker

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Request(
            method=scope["method"],
            path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
            query=scope["query_string"].decode("latin-1"),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            body=base64.b64encode(body).decode() if body else None,
        )
        event = http_api_v2(request)
        answer = await asyncio.get_running_loop().run_in_executor(
            self.worker,
            lambda: api.handler(event, Context()),  # type: ignore[arg-type]
        )
        text = answer.get("body") or ""
        payload = base64.b64decode(text) if answer.get("isBase64Encoded") else text.encode()
        headers = [(k.encode(), str(v).encode()) for k, v in answer.get("headers", {}).items()]
        headers += [(b"set-cookie", c.encode()) for c in answer.get("cookies", [])]
        await send(
            {"type": "http.response.start", "status": answer["statusCode"], "headers": headers}
        )
        await send({"type": "http.response.body", "body": payload})


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_lambda_handler_conforms_to_its_openapi_document(
    case: Case, lambda_gateway: LambdaGateway
) -> None:
    """The same checks through the API function and API Gateway's 2.0 events."""
    case.call_and_validate(app=lambda_gateway)
