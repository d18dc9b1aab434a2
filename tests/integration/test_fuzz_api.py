"""Schemathesis against the app's own OpenAPI document, in-process, on moto.

Every built-in check is on: no server error, every status code documented, every response
body and content type as the document says, invalid input refused, and so on. Examples are
bounded so the whole module stays well under a minute on two cores.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from newsdesk.config import settings as app_settings
from newsdesk.dal import articles as store
from newsdesk.dal import secrets
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import to_dynamo
from newsdesk.dal.ebooks import ebook_item
from newsdesk.logic.labels import sync_labels
from newsdesk.logic.related.maintenance import sync
from newsdesk.models import Ebook
from schemathesis import Case
from schemathesis.config import SchemathesisConfig

from infra.deploy.openapi import DOCUMENT
from tests.conftest import REGION
from tests.factories import make_article, store_article

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
        meta = store.article_items(article, source_key=f"articles/{article.slug}.md")[0]
        sync_labels(article.slug, meta)
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


ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429"]


def _refusals(
    path: str, method: str, *, valid: tuple[str, ...] = (), invalid: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Statuses beyond schemathesis' defaults that are part of this operation's contract."""
    return {
        "include-path": path,
        "include-method": method,
        "checks": {
            "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *valid]},
            "negative_data_rejection": {"expected-statuses": [*REJECTED, *invalid]},
        },
    }


CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            # A cursor is opaque: any string fits the schema, only the ones we issued are valid.
            _refusals("/articles", "GET", valid=("400",)),
            _refusals("/search", "GET", valid=("400",)),
            # An address can match `format: email` and still be undeliverable by its syntax;
            # an oversized body is refused as such before it is parsed.
            _refusals("/ebooks/{ebook_id}/requests", "POST", valid=("422",), invalid=("413",)),
        ]
    }
)
# Loaded at collection (a lazy fixture-based schema does not work on this pytest); each test
# then calls the app built inside its moto fixture.
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_document(case: Case, fuzzed_app: FastAPI) -> None:
    case.call_and_validate(app=fuzzed_app)
